"""The raw layer in PostgreSQL: one partition per source file, replaced atomically.

A month's rows are bulk-copied (Arrow -> binary COPY through the ADBC driver, streamed batch by
batch) into a staging table, then swapped in as that month's partition in one short transaction:
readers see the old month or the new one, never a mix or an empty month, and a crash at any point
before the swap commits leaves the previous version in place. The unit of replacement is the file a
row came from (``source_month``), never the pickup date, so reloading a month cannot move rows in or
out of neighbouring months.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from psycopg import sql

from taxi_pipeline.errors import (
    CorruptFile,
    PipelineError,
    WarehouseAuthFailed,
    WarehouseUnavailable,
)
from taxi_pipeline.months import Month
from taxi_pipeline.schema import SOURCE_MONTH_COLUMN, SOURCE_ROW_COLUMN, ServiceSchema
from taxi_pipeline.source import DownloadedFile

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_BATCH_ROWS = 128 * 1024
_ROWS_PER_COPY = 2 * _BATCH_ROWS


def validate_identifier(name: str, what: str = "schema name") -> str:
    """Schema names come from configuration: accept only plain lowercase identifiers."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise PipelineError(
            f"invalid {what} {str(name)[:70]!r}: use lowercase letters, digits and underscores, "
            f"starting with a letter or underscore (at most 63 characters)"
        )
    return name


@cache
def _statements() -> dict[str, str]:
    text = resources.files("taxi_pipeline").joinpath("sql/raw.sql").read_text()
    blocks = re.split(r"^-- name: (\w+)\n", text, flags=re.MULTILINE)
    return {name: body.strip() for name, body in zip(blocks[1::2], blocks[2::2], strict=True)}


def statement(name: str, **parts: sql.Composable) -> sql.Composed:
    return sql.SQL(_statements()[name]).format(**parts)


@dataclass
class LoadResult:
    service: str
    month: Month
    source_url: str
    file_sha256: str
    rows_in_file: int
    rows_loaded: int
    spillover_rows: int
    seconds: float
    pickup_months: dict[str, int] = field(default_factory=dict)


@dataclass
class MonthState:
    source_month: str
    rows_in_file: int
    rows_loaded: int
    checksum: str
    pickup_months: dict[str, int]
    file_sha256: str
    source_url: str


class Warehouse:
    """The raw layer of one service in one PostgreSQL database and schema."""

    def __init__(self, url: str, service_schema: ServiceSchema, raw_schema: str = "raw"):
        self.url = url
        self.service_schema = service_schema
        self.raw_schema = validate_identifier(raw_schema)

    # -- connections -------------------------------------------------------------------------

    def connect(self, autocommit: bool = False) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, autocommit=autocommit, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise classify_connection_error(exc, self.url) from exc

    def _parts(self, month: Month | None = None, **extra: sql.Composable) -> dict:
        table = self.service_schema.raw_table
        parts: dict[str, sql.Composable] = {
            "schema": sql.Identifier(self.raw_schema),
            "table": sql.Identifier(table),
            "columns": sql.SQL(",\n    ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type))
                for name, pg_type in self.service_schema.column_definitions()
            ),
            "pickup": sql.Identifier(self.service_schema.pickup_column.lower()),
        }
        if month is not None:
            parts["partition"] = sql.Identifier(self.partition_name(month))
            parts["staging"] = sql.Identifier(self.staging_name(month))
            parts["month"] = sql.Literal(month.first_day)
        parts.update(extra)
        return parts

    def partition_name(self, month: Month) -> str:
        return f"{self.service_schema.raw_table}_{month.year:04d}_{month.month:02d}"

    def staging_name(self, month: Month) -> str:
        return f"{self.partition_name(month)}__incoming"

    # -- schema ------------------------------------------------------------------------------

    def ensure_raw_schema(self) -> None:
        with self.connect() as conn:
            # Parallel loads may all find the tables missing; serialise their creation.
            conn.execute("select pg_advisory_xact_lock(hashtext('taxi_pipeline.raw_ddl'))")
            conn.execute(statement("create_raw", **self._parts()))

    # -- load --------------------------------------------------------------------------------

    def load_month(self, month: Month, source: DownloadedFile, progress=None) -> LoadResult:
        """Replace ``month``'s partition with the rows of ``source`` (already validated)."""
        started_at = datetime.now(UTC)
        clock = time.perf_counter()
        parquet = pq.ParquetFile(source.path)
        rows_in_file = parquet.metadata.num_rows
        self.ensure_raw_schema()
        stream = MonthStream(
            self.service_schema, month, source.path, rows_in_file, self._load_schema(), progress
        )
        with self.connect(autocommit=True) as control:
            # One load per (table, month) at a time; a crashed loader's session lock is released
            # by the server when its connection dies. The key names the schema, so that copies
            # of the pipeline in other schemas (namespaces) never wait for each other.
            control.execute(
                "select pg_advisory_lock(hashtext(%s), %s)",
                (
                    f"{self.raw_schema}.{self.service_schema.raw_table}",
                    month.year * 100 + month.month,
                ),
            )
            try:
                rows_loaded = self._bulk_copy(month, stream)
                if rows_loaded != rows_in_file:
                    raise PipelineError(
                        f"{self.service_schema.service} {month}: copied {rows_loaded} rows but "
                        f"the file has {rows_in_file}; nothing was replaced"
                    )
                self._swap_in(control, month, source, rows_loaded, started_at)
            except BaseException:
                _best_effort_drop(control, statement("drop_staging", **self._parts(month)))
                raise
        pickup_months = stream.pickup_months()
        return LoadResult(
            service=self.service_schema.service,
            month=month,
            source_url=source.url,
            file_sha256=source.sha256,
            rows_in_file=rows_in_file,
            rows_loaded=rows_loaded,
            spillover_rows=sum(n for m, n in pickup_months.items() if m != str(month)),
            seconds=time.perf_counter() - clock,
            pickup_months=pickup_months,
        )

    def _bulk_copy(self, month: Month, stream: MonthStream) -> int:
        """Create the staging table and COPY into it in one transaction.

        Creating the table in the same transaction as the COPY lets a server running with
        ``wal_level=minimal`` (the embedded one) skip WAL for the whole load.
        """
        create = statement("create_staging", **self._parts(month)).as_string(None)
        try:
            with adbc.connect(self.url) as conn, conn.cursor() as cursor:
                for ddl in _split_statements(create):
                    cursor.execute(ddl)
                rows = 0
                for reader in stream.readers(_ROWS_PER_COPY):
                    rows += cursor.adbc_ingest(
                        self.staging_name(month),
                        reader,
                        mode="append",
                        db_schema_name=self.raw_schema,
                    )
                conn.commit()
        except adbc_driver_manager.Error as exc:
            if stream.error is not None:
                raise stream.error from None
            if isinstance(exc, adbc_driver_manager.OperationalError):
                raise classify_connection_error(exc, self.url) from exc
            raise _adbc_error(exc, self.url) from exc
        if stream.error is not None:
            raise stream.error
        return rows

    def _load_schema(self) -> pa.Schema:
        return self.service_schema.arrow_schema.append(
            pa.field(SOURCE_MONTH_COLUMN, pa.date32())
        ).append(pa.field(SOURCE_ROW_COLUMN, pa.int32()))

    def _swap_in(
        self,
        control: psycopg.Connection,
        month: Month,
        source: DownloadedFile,
        rows: int,
        started: datetime,
    ) -> None:
        parts = self._parts(month)
        with control.transaction():
            control.execute(statement("lock_raw_table", **parts))
            existing = control.execute(
                statement("current_partition"),
                (self.raw_schema, self.service_schema.raw_table, self.partition_name(month)),
            ).fetchone()
            if existing:
                control.execute(statement("retire_partition", **parts))
            control.execute(statement("attach_staging", **parts))
            control.execute(
                statement("record_load", **parts),
                (
                    self.service_schema.service,
                    month.first_day,
                    source.url,
                    source.sha256,
                    source.size_bytes,
                    rows,
                    rows,
                    started,
                ),
            )

    # -- reading back ------------------------------------------------------------------------

    def pickup_months(self, month: Month) -> dict[str, int]:
        with self.connect() as conn:
            rows = conn.execute(statement("partition_pickup_months", **self._parts(month)))
            return {(pickup or "unknown"): count for pickup, count in rows.fetchall()}

    def month_states(self) -> list[MonthState]:
        """The current state of every loaded month, as ``report`` prints it."""
        try:
            with self.connect() as conn:
                loaded = conn.execute(
                    statement("loaded_months", **self._parts()), (self.service_schema.service,)
                ).fetchall()
        except psycopg.errors.UndefinedTable:
            return []
        states = []
        for source_month, rows_in_file, _rows_loaded, sha256, url, _started, _finished in loaded:
            month = Month.of(source_month)
            with self.connect() as conn:
                count, checksum = conn.execute(
                    statement("partition_checksum", **self._parts(month))
                ).fetchone()
            states.append(
                MonthState(
                    source_month=str(month),
                    rows_in_file=rows_in_file,
                    rows_loaded=count,
                    checksum=checksum,
                    pickup_months=self.pickup_months(month),
                    file_sha256=sha256,
                    source_url=url,
                )
            )
        return states


class MonthStream:
    """The file's rows as load-ready Arrow batches, one row group in memory at a time.

    Memory stays flat whatever the file size. Pickup months are counted on the way through, so
    the load result needs no second scan.
    """

    def __init__(
        self, schema: ServiceSchema, month: Month, path: Path, total: int, load_schema, progress
    ):
        self._schema = schema
        self._total = total
        self._month = month
        self._path = path
        self._load_schema = load_schema
        self._progress = progress
        self._pickups: Counter = Counter()
        self.rows = 0
        self.error: PipelineError | None = None

    def readers(self, rows_per_reader: int) -> Iterator[pa.RecordBatchReader]:
        """Consecutive readers of about ``rows_per_reader`` rows each, covering the whole file.

        Each reader feeds one COPY statement. The driver queues COPY data in client memory when
        the server is slower than the client, so one COPY per file would hold the whole file in
        memory; bounded COPYs keep memory flat.
        """
        batches = self._batches()
        pending = next(batches, None)

        def take() -> Iterator[pa.RecordBatch]:
            nonlocal pending
            taken = 0
            while pending is not None and taken < rows_per_reader:
                batch, taken = pending, taken + pending.num_rows
                yield batch
                pending = next(batches, None)

        while pending is not None:
            yield pa.RecordBatchReader.from_batches(self._load_schema, take())

    def pickup_months(self) -> dict[str, int]:
        return {
            (f"{key // 100:04d}-{key % 100:02d}" if key is not None else "unknown"): count
            for key, count in sorted(self._pickups.items(), key=lambda kv: (kv[0] is None, kv[0]))
        }

    def _batches(self) -> Iterator[pa.RecordBatch]:
        month_value = pa.scalar(self._month.first_day, pa.date32())
        pickup_name = self._schema.pickup_column.lower()
        for raw in self._decoded():
            try:
                cast = self._schema.cast_batch(raw, self._month)
            except PipelineError as exc:
                self.error = exc
                raise
            n = cast.num_rows
            self._count_pickups(cast.column(pickup_name))
            yield pa.RecordBatch.from_arrays(
                [
                    *cast.columns,
                    pa.repeat(month_value, n),
                    pa.arange(self.rows, self.rows + n).cast(pa.int32()),
                ],
                schema=self._load_schema,
            )
            self.rows += n
            if self._progress is not None:
                self._progress(self.rows, self._total)

    def _decoded(self) -> Iterator[pa.RecordBatch]:
        # No read-ahead keeps Arrow's memory at about one row group: read-ahead measured no
        # faster (the server is the bottleneck) and held several hundred MB more.
        scanner = ds.dataset(self._path, format="parquet").scanner(
            batch_size=_BATCH_ROWS,
            use_threads=False,
            batch_readahead=0,
            fragment_readahead=1,
            fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False),
        )
        batches = iter(scanner.to_batches())
        while True:
            try:
                raw = next(batches)
            except StopIteration:
                return
            except (pa.ArrowException, OSError) as exc:
                self.error = CorruptFile(
                    f"{self._schema.service} {self._month}: the parquet data cannot be decoded "
                    f"after {self.rows:,} rows ({_first_line(str(exc))}); the file is damaged"
                )
                raise self.error from exc
            yield raw

    def _count_pickups(self, pickup: pa.Array) -> None:
        keys = pc.add(pc.multiply(pc.year(pickup), 100), pc.month(pickup))
        for entry in pc.value_counts(keys).to_pylist():
            self._pickups[entry["values"]] += entry["counts"]


def _split_statements(script: str) -> list[str]:
    """The statements of a small DDL script (no semicolons inside literals), comments dropped."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [part.strip() for part in code.split(";") if part.strip()]


def _best_effort_drop(conn: psycopg.Connection, query: sql.Composed) -> None:
    # The connection itself may be what failed; the next load drops the staging table anyway.
    with contextlib.suppress(psycopg.Error):
        conn.execute(query)


_AUTH_MARKERS = ("password authentication failed", "authentication failed", "no password supplied")


def classify_connection_error(exc: Exception, url: str) -> PipelineError:
    """Turn a driver error into one that names the server, never the password."""
    where = _server_of(url)
    message = str(exc)
    if any(marker in message for marker in _AUTH_MARKERS):
        return WarehouseAuthFailed(
            f"PostgreSQL at {where} refused the login (authentication failed). Check the "
            f"login and password of the azure_pg connection (or --warehouse-url)."
        )
    return WarehouseUnavailable(
        f"PostgreSQL at {where} is unreachable or dropped the connection "
        f"({_first_line(message)}); a retry may succeed once the server is back"
    )


def _adbc_error(exc: Exception, url: str) -> PipelineError:
    message = _first_line(str(exc))
    if "connection" in message.lower() or "terminating" in message.lower():
        return classify_connection_error(exc, url)
    return PipelineError(f"bulk load into PostgreSQL at {_server_of(url)} failed: {message}")


def _server_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def _first_line(message: str) -> str:
    for line in message.splitlines():
        if line.strip():
            # Drivers sometimes echo the connection string; never let a password through.
            return re.sub(r"://[^@/\s]*@", "://***@", line.strip())[:300]
    return "no details"
