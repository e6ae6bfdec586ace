"""One month end to end without Airflow: download -> validate -> load -> dbt build and test.

The Airflow tasks and the ``taxi-pipeline ingest`` command call these same functions.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pyarrow.parquet as pq

from taxi_pipeline.core.connection import permission_refused
from taxi_pipeline.core.errors import CorruptFile, InvalidParameter
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import validate_identifier
from taxi_pipeline.core.schema import service_schema
from taxi_pipeline.core.settings import Settings
from taxi_pipeline.core.source import download, trip_file_name, trip_file_url
from taxi_pipeline.core.transforms import (
    DbtTarget,
    MonthBuild,
    MonthTests,
    build_month,
    month_tests,
)
from taxi_pipeline.core.warehouse import LoadResult, Warehouse

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class LoadedMonth:
    """What ingest hands dbt (through Airflow's XCom): which load of which month it made, in which
    raw schema. dbt transforms that schema and that load, whatever the settings say by the time
    it runs. Holds no secret."""

    month: Month
    service: str
    raw_schema: str
    load_id: int

    def as_xcom(self) -> dict[str, object]:
        return {
            "month": str(self.month),
            "service": self.service,
            "raw_schema": self.raw_schema,
            "load_id": self.load_id,
        }

    @classmethod
    def from_xcom(cls, value: object) -> LoadedMonth:
        """The record an upstream task returned; ``InvalidParameter`` naming what is missing."""
        fields = ("month", "service", "raw_schema", "load_id")
        missing = [f for f in fields if not isinstance(value, dict) or value.get(f) in (None, "")]
        if missing:
            raise InvalidParameter(
                f"the upstream task's result lacks {', '.join(missing)}: clear ingest_taxi_month "
                f"of this run so that it loads the month again"
            )
        return cls(
            month=Month.parse(value["month"]),
            service=str(value["service"]),
            raw_schema=validate_identifier(str(value["raw_schema"]), "raw schema"),
            load_id=int(value["load_id"]),
        )


def ingest_month(settings: Settings, month: Month, warehouse_url: str, progress=None) -> LoadResult:
    """Fetch and load one month's file; the raw partition is replaced atomically or not at all."""
    schema = service_schema(settings.service)
    url = trip_file_url(settings.tlc_base_url, settings.service, month)
    # A private name per attempt: two runs of the same month must not share a file.
    attempt = f"{uuid.uuid4().hex[:8]}-{trip_file_name(settings.service, month)}"
    dest = Path(settings.work_dir) / "downloads" / attempt
    log.info("%s %s: downloading %s", settings.service, month, url)
    started = time.perf_counter()
    fetched = download(url, dest, timeout_s=settings.download_timeout_s)
    download_s = time.perf_counter() - started
    try:
        log.info(
            "%s %s: %d rows, %d bytes, sha256 %s",
            settings.service,
            month,
            fetched.metadata.num_rows,
            fetched.size_bytes,
            fetched.sha256[:12],
        )
        if fetched.metadata.num_rows == 0:
            raise CorruptFile(
                f"{url} is a parquet file with no rows; TLC does not publish empty months, so "
                f"the file on the server is probably incomplete: nothing was replaced"
            )
        # The Arrow schema as pyarrow restores it (stored types included), from the same footer.
        arrow_schema = pq.ParquetFile(fetched.path, metadata=fetched.metadata).schema_arrow
        schema.check_columns(arrow_schema, month)
        warehouse = Warehouse(
            warehouse_url, schema, settings.raw_schema, settings.copy_streams, settings.lock_wait
        )
        try:
            loaded = warehouse.load_month(month, fetched, progress=progress)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise permission_refused(exc, warehouse.connection) from exc
        result = dataclasses.replace(loaded, download_s=download_s)
    finally:
        fetched.path.unlink(missing_ok=True)
    log.info(
        "%s %s: loaded %d of %d rows (%d with a pickup outside the month) in %.1fs",
        settings.service,
        month,
        result.rows_loaded,
        result.rows_in_file,
        result.spillover_rows,
        result.seconds,
    )
    return result


def dbt_target(settings: Settings, warehouse_url: str) -> DbtTarget:
    return DbtTarget(
        warehouse_url=warehouse_url,
        work_dir=Path(settings.work_dir),
        raw_schema=settings.raw_schema,
        dbt_schema=settings.dbt_schema,
        service=settings.service,
        lock_wait=settings.lock_wait,
    )


def transform_month(
    settings: Settings, month: Month, warehouse_url: str, echo: Callable[[str], None]
) -> tuple[MonthBuild, MonthTests]:
    """Build and test ``month`` (and any other month waiting for dbt), as the DAG's tasks do."""
    target = dbt_target(settings, warehouse_url)
    return build_month(target, month, echo), month_tests(target, month, echo)
