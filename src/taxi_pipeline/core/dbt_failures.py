"""What a failed dbt invocation stands for: the error to raise (a warehouse that cannot be
reached, a login refused, a lock not granted in time, else the failing models and tests), and
running dbt again while another session holds a lock it needs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from taxi_pipeline.core.connection import (
    AUTH_MARKERS,
    TLS_MARKERS,
    WarehouseConnection,
    classify_connection_error,
)
from taxi_pipeline.core.dbt import months_text, run_dbt
from taxi_pipeline.core.dbt_results import DbtResult
from taxi_pipeline.core.errors import DbtFailed, PipelineError, WarehouseBusy
from taxi_pipeline.core.locks import (
    LOCK_TIMEOUT_MARKER,
    LockWaitExpired,
    busy_error,
    retry_lock_waits,
    schema_lock_holders,
)
from taxi_pipeline.core.names import DEFAULT_RAW_SCHEMA
from taxi_pipeline.core.settings import LockWait


def run_dbt_waiting(
    command: str, warehouse_url: str, work_dir: Path, *, lock_wait: LockWait, **kwargs
) -> DbtResult:
    """Like ``run_dbt``, run again while a lock it needs is held by another session, for up to
    ``lock_wait.retry_s``; then ``WarehouseBusy`` naming the sessions."""
    schemas = (kwargs["target_schema"], kwargs.get("raw_schema", DEFAULT_RAW_SCHEMA))

    def attempt() -> DbtResult:
        result = run_dbt(command, warehouse_url, work_dir, lock_wait=lock_wait, **kwargs)
        if lock_timed_out(result):
            raise LockWaitExpired(result)
        return result

    def busy(expired: LockWaitExpired, tries: int, waited_s: float) -> WarehouseBusy:
        return dbt_busy_error(expired.args[0], warehouse_url, schemas, lock_wait, tries, waited_s)

    return retry_lock_waits(attempt, lock_wait, busy)


def run_dbt_checked(command: str, warehouse_url: str, work_dir: Path, **kwargs) -> DbtResult:
    """Like ``run_dbt`` but raise when dbt fails: ``WarehouseUnavailable`` (retryable) or
    ``WarehouseAuthFailed`` when it could not reach or log in to PostgreSQL, else ``DbtFailed``
    naming the failing nodes."""
    result = run_dbt(command, warehouse_url, work_dir, **kwargs)
    if not result.success:
        schemas = (kwargs["target_schema"], kwargs.get("raw_schema", DEFAULT_RAW_SCHEMA))
        raise_for(result, warehouse_url, schemas)
    return result


def raise_for(result: DbtResult, warehouse_url: str, schemas: Sequence[str]) -> None:
    """The error a failed invocation stands for (``schemas``: where its relations are)."""
    if lock_timed_out(result):
        raise dbt_busy_error(result, warehouse_url, schemas, LockWait.configured(), 1, 0.0)
    if trouble := _connection_trouble(result.output_tail):
        raise classify_connection_error(
            f"dbt {result.command}: {trouble}", WarehouseConnection.from_url(warehouse_url)
        )
    failed = "; ".join(result.failures[:10]) or result.output_tail[-1500:]
    raise DbtFailed(f"dbt {result.command} failed for {months_text(result.months)}: {failed}")


def lock_timed_out(result: DbtResult) -> bool:
    """Whether a statement of a failed invocation gave up waiting for a lock."""
    return not result.success and LOCK_TIMEOUT_MARKER in result.output_tail.lower()


def dbt_busy_error(
    result: DbtResult,
    warehouse_url: str,
    schemas: Sequence[str],
    wait: LockWait,
    tries: int,
    waited_s: float,
) -> WarehouseBusy:
    """``WarehouseBusy`` for an invocation that gave up waiting for a lock in ``schemas``."""
    connection = WarehouseConnection.from_url(warehouse_url)
    try:
        with connection.connect(autocommit=True) as conn:
            holders = schema_lock_holders(conn, schemas)
    except PipelineError:
        holders = []
    doing = f"dbt {result.command} of {months_text(result.months)} (schemas {', '.join(schemas)})"
    kept = "Models that dbt had finished stay built; the retry builds the month again."
    return busy_error(connection, doing, holders, tries, waited_s, wait, kept)


# What psycopg2 (under dbt-postgres) says when the server is down, restarting or unreachable,
# or refuses the login. dbt then fails the same way whatever the models say.
_CONNECTION_TROUBLE = (
    *AUTH_MARKERS,
    *TLS_MARKERS,
    "connection refused",
    "could not connect to server",
    "server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
    "could not translate host name",
    "timeout expired",
)


def _connection_trouble(output: str) -> str | None:
    """The first line of dbt's output that says PostgreSQL could not be used, if any."""
    for line in output.splitlines():
        if any(marker in line.lower() for marker in _CONNECTION_TROUBLE):
            return line.strip()
    return None
