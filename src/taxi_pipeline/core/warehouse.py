"""The raw layer in PostgreSQL: one partition per source file, replaced atomically.

A month's rows are bulk-copied (Arrow -> binary COPY through the ADBC driver, streamed batch by
batch) by a few parallel streams, each into a staging table of its own slice of the file, then
swapped in as that month's partition in one short transaction: readers see the old month or the
new one, never a mix or an empty month, and a crash at any point before the swap commits leaves
the previous version in place.

The swap never takes a strong lock on the raw table. A month's partition is itself partitioned,
one leaf per slice, and stays attached: a reload swaps its leaves under an ACCESS EXCLUSIVE lock
on that month's partition alone, so readers of other months (pruned to their own partitions)
never wait, and readers of this month wait at most the lock timeout (``LockWait``) before the
swap gives up, lets them through and tries again. Detaching the month instead would lock the raw
table for every reader; DETACH CONCURRENTLY cannot run in the swap's transaction. A first load
attaches the month, which takes only SHARE UPDATE EXCLUSIVE on the raw table.

The unit of replacement is the file a
row came from (``source_month``), never the pickup date, so reloading a month cannot move rows in or
out of neighbouring months.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc
import psycopg
import pyarrow as pa
from psycopg import sql

from taxi_pipeline.core import sqlfile
from taxi_pipeline.core.connection import (
    WarehouseConnection,
    bulk_load_error,
    classify_connection_error,
)
from taxi_pipeline.core.errors import PipelineError
from taxi_pipeline.core.locks import (
    LockWaitExpired,
    bound_lock_waits,
    busy_error,
    relation_lock_holders,
    retry_lock_waits,
)
from taxi_pipeline.core.month_stream import Cancelled, FileSlice, MonthStream, slice_file
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import DEFAULT_COPY_STREAMS, DEFAULT_RAW_SCHEMA, validate_identifier
from taxi_pipeline.core.schema import SERVICES, ServiceSchema
from taxi_pipeline.core.settings import LockWait
from taxi_pipeline.core.source import DownloadedFile

# One server backend per stream. Two keep a 2-core machine busy (the client decodes while the
# server parses); a bigger server may take more (TAXI_COPY_STREAMS).


def statement(name: str, **parts: sql.Composable) -> sql.Composed:
    return sqlfile.statement("raw.sql", name, **parts)


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
    # The load log's id of this load: the month's current load until a later one replaces it.
    load_id: int | None = None
    # Fetching the file, before the load (``seconds``) began.
    download_s: float = 0.0


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

    def __init__(
        self,
        url: str,
        service_schema: ServiceSchema,
        raw_schema: str = DEFAULT_RAW_SCHEMA,
        copy_streams: int = DEFAULT_COPY_STREAMS,
        lock_wait: LockWait | None = None,
    ):
        self.url = url
        self.connection = WarehouseConnection.from_url(url)
        self.service_schema = service_schema
        self.raw_schema = validate_identifier(raw_schema)
        self.copy_streams = copy_streams
        self.lock_wait = lock_wait or LockWait.configured()

    # -- connections -------------------------------------------------------------------------

    def connect(self, autocommit: bool = False) -> psycopg.Connection:
        return self.connection.connect(autocommit=autocommit)

    def _parts(
        self,
        month: Month | None = None,
        service_schema: ServiceSchema | None = None,
        **extra: sql.Composable,
    ) -> dict:
        service_schema = service_schema or self.service_schema
        parts: dict[str, sql.Composable] = {
            "schema": sql.Identifier(self.raw_schema),
            "table": sql.Identifier(service_schema.raw_table),
            "columns": sql.SQL(",\n    ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type))
                for name, pg_type in service_schema.column_definitions()
            ),
            "pickup": sql.Identifier(service_schema.pickup_column.lower()),
        }
        if month is not None:
            parts["partition"] = sql.Identifier(self.partition_name(month))
            parts["month"] = sql.Literal(month.first_day)
        parts.update(extra)
        return parts

    def _slice_parts(self, month: Month, part: FileSlice) -> dict:
        return self._parts(
            month,
            slice=sql.Identifier(self.slice_name(month, part)),
            leaf=sql.Identifier(f"{self.partition_name(month)}__{part.number}"),
            first_row=sql.Literal(part.first_row),
            end_row=sql.Literal(part.end_row),
        )

    def partition_name(self, month: Month) -> str:
        return f"{self.service_schema.raw_table}_{month.year:04d}_{month.month:02d}"

    def slice_name(self, month: Month, part: FileSlice) -> str:
        return f"{self.partition_name(month)}__{part.number}__incoming"

    # -- schema ------------------------------------------------------------------------------

    def ensure_raw_schema(self) -> None:
        with self.connect() as conn:
            # Parallel loads may all find the tables missing; serialise their creation.
            conn.execute("select pg_advisory_xact_lock(hashtext('taxi_pipeline.raw_ddl'))")
            conn.execute(sqlfile.create_schema(self.raw_schema))
            # Every service's table, not only this one's: dbt's staging reads them all, and an
            # empty partitioned table costs nothing.
            for schema in SERVICES.values():
                conn.execute(statement("create_raw", **self._parts(service_schema=schema)))

    # -- load --------------------------------------------------------------------------------

    def load_month(self, month: Month, source: DownloadedFile, progress=None) -> LoadResult:
        """Replace ``month``'s partition with the rows of ``source`` (already validated)."""
        started_at = datetime.now(UTC)
        clock = time.perf_counter()
        metadata = source.metadata
        rows_in_file = metadata.num_rows
        self.ensure_raw_schema()
        slices = slice_file(metadata, self.copy_streams)
        stream = MonthStream(self.service_schema, month, source.path, rows_in_file, progress)
        try:
            load_id, rows_loaded = self._load_under_lock(month, slices, stream, source, started_at)
        except psycopg.OperationalError as exc:
            # The server went away (restarted, crashed) while the loader held the month's lock.
            raise classify_connection_error(exc, self.connection) from exc
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
            load_id=load_id,
        )

    def _load_under_lock(
        self,
        month: Month,
        slices: list[FileSlice],
        stream: MonthStream,
        source: DownloadedFile,
        started_at: datetime,
    ) -> tuple[int, int]:
        """Copy and swap in ``month`` holding its load lock: (load id, rows loaded)."""
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
                self._drop_staging(control, month)
                rows_loaded = self._bulk_copy(month, slices, stream)
                if rows_loaded != source.metadata.num_rows:
                    raise PipelineError(
                        f"{self.service_schema.service} {month}: copied {rows_loaded} rows but "
                        f"the file has {source.metadata.num_rows}; nothing was replaced"
                    )
                load_id = self._swap_in(control, month, slices, source, rows_loaded, started_at)
            except BaseException:
                with contextlib.suppress(psycopg.Error, PipelineError):
                    # The connection itself may be what failed; the next load cleans up anyway.
                    self._drop_staging(control, month)
                raise
        return load_id, rows_loaded

    def _drop_staging(self, control: psycopg.Connection, month: Month) -> None:
        """Drop slices a failed or killed load of ``month`` left behind (it holds the lock)."""
        pattern = rf"^{self.partition_name(month)}__\d+__incoming$"
        names = control.execute(statement("staging_slices"), (self.raw_schema, pattern))
        for (name,) in names.fetchall():
            control.execute(statement("drop_slice", **self._parts(slice=sql.Identifier(name))))

    def _bulk_copy(self, month: Month, slices: list[FileSlice], stream: MonthStream) -> int:
        """Copy every slice, in parallel, each by its own connection; the rows copied."""
        if len(slices) == 1:
            return self._copy_slice(month, slices[0], 1, stream)
        with ThreadPoolExecutor(len(slices), thread_name_prefix="copy") as pool:
            copies = [
                pool.submit(self._copy_slice, month, part, len(slices), stream) for part in slices
            ]
            failures = [copy.exception() for copy in copies if copy.exception() is not None]
        if failures:
            raise stream.error or next(
                (f for f in failures if not isinstance(f, Cancelled)), failures[0]
            )
        return sum(copy.result() for copy in copies)

    def _copy_slice(
        self, month: Month, part: FileSlice, slice_count: int, stream: MonthStream
    ) -> int:
        """Create the slice's table, COPY its rows and commit, then ANALYZE it.

        Creating the table in the same transaction as the COPY lets a server running with
        ``wal_level=minimal`` (the embedded one) skip WAL for the whole load. ANALYZE runs here,
        in parallel with the other slices and before the swap takes its lock.
        """
        parts = self._slice_parts(month, part)
        create = statement("create_slice", **parts).as_string(None)
        try:
            with adbc.connect(self.url) as conn, conn.cursor() as cursor:
                for ddl in _split_statements(create):
                    cursor.execute(ddl)
                rows = cursor.adbc_ingest(
                    self.slice_name(month, part),
                    pa.RecordBatchReader.from_batches(stream.load_schema, stream.batches(part)),
                    mode="append",
                    db_schema_name=self.raw_schema,
                )
                conn.commit()
                analyze = statement("analyze_slice", slices=sql.Literal(slice_count), **parts)
                for query in _split_statements(analyze.as_string(None)):
                    cursor.execute(query)
                conn.commit()
        except BaseException as exc:
            stream.cancel()
            if isinstance(exc, adbc_driver_manager.Error):
                if stream.error is not None:
                    raise stream.error from None
                if isinstance(exc, adbc_driver_manager.OperationalError):
                    raise classify_connection_error(exc, self.connection) from exc
                raise bulk_load_error(exc, self.connection) from exc
            raise
        if stream.error is not None:
            raise stream.error
        return rows

    def _swap_in(
        self,
        control: psycopg.Connection,
        month: Month,
        slices: list[FileSlice],
        source: DownloadedFile,
        rows: int,
        started: datetime,
    ) -> int:
        """Swap the loaded slices in as the month's partition; returns the load log's id."""
        parts = self._parts(month)
        partition = self.partition_name(month)

        def attempt() -> int:
            try:
                with control.transaction():
                    bound_lock_waits(control, self.lock_wait)
                    self._replace_leaves(control, month, slices)
                    service = self.service_schema.service
                    logged = (service, month.first_day, source.url, source.sha256)
                    logged += (source.size_bytes, rows, rows, started)
                    return control.execute(statement("record_load", **parts), logged).fetchone()[0]
            except psycopg.errors.LockNotAvailable as exc:
                raise LockWaitExpired from exc

        def busy(_expired: LockWaitExpired, tries: int, waited_s: float):
            return busy_error(
                self.connection,
                f"the swap of {self.service_schema.service} {month} into "
                f"{self.raw_schema}.{partition}",
                relation_lock_holders(control, self.raw_schema, partition),
                tries,
                waited_s,
                self.lock_wait,
                kept="The month keeps its previous rows.",
            )

        return retry_lock_waits(attempt, self.lock_wait, busy)

    def _replace_leaves(
        self, control: psycopg.Connection, month: Month, slices: list[FileSlice]
    ) -> None:
        """In the swap's transaction: the month's partition holds exactly the new slices."""
        parts = self._parts(month)
        existing = control.execute(
            statement("current_partition"),
            (self.raw_schema, self.service_schema.raw_table, self.partition_name(month)),
        ).fetchone()
        if existing:
            control.execute(statement("lock_month", **parts))
            leaves = control.execute(
                statement("month_leaves"), (self.raw_schema, self.partition_name(month))
            ).fetchall()
            for (leaf,) in leaves:
                control.execute(
                    statement("retire_leaf", **self._parts(month, leaf=sql.Identifier(leaf)))
                )
        else:
            control.execute(statement("create_month", **parts))
        for part in slices:
            control.execute(statement("attach_slice", **self._slice_parts(month, part)))
        if not existing:
            control.execute(statement("attach_month", **parts))

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


def _split_statements(script: str) -> list[str]:
    """The statements of a small DDL script (no semicolons inside literals), comments dropped."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [part.strip() for part in code.split(";") if part.strip()]
