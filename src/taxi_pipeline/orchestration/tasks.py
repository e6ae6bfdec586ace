"""The bodies of the ``taxi_pipeline`` DAG's tasks, kept out of the DAG file so it stays thin.

Each task works out its month from the run itself (the ``month`` param, else the data interval,
else the logical date), never from the clock, so a retry or a backfill of a run always reads the
same month. Credentials come from the ``azure_pg`` connection (a namespace's own
``azure_pg__<name>`` first) at run time and stay inside the task: what a task returns (and Airflow
stores as XCom) is a small dict of counts. Non-secret settings come from Airflow Variables
(``taxi_<name>``), else ``TAXI_<NAME>`` environment variables, else defaults; the DAG of a
namespace (see ``taxi_pipeline.orchestration.namespaces``) passes its name to every task, and
that name fixes the schemas and the work dir whatever the shared Variables say.

Retrying is decided by ``PipelineError.retryable`` through ``TransientOnlyRetryPolicy``: network
trouble, 5xx and lost connections are retried; a missing month past its deadline, a corrupt file,
a schema change or a failing dbt test fail on the first try.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote

from airflow.sdk import Connection, RetryDecision, RetryPolicy, Variable, get_current_context
from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRescheduleException
from airflow.sdk.log import mask_secret

from taxi_pipeline.core.connection import WarehouseConnection
from taxi_pipeline.core.errors import (
    InvalidParameter,
    MonthNotAvailable,
    PipelineError,
)
from taxi_pipeline.core.months import Month, month_of_run, publication_deadline
from taxi_pipeline.core.names import (
    DAG_ID,
    DEFAULT_COPY_STREAMS,
    DEFAULT_DBT_SCHEMA,
    DEFAULT_RAW_SCHEMA,
    DEFAULT_SERVICE,
    DEFAULT_TLC_BASE_URL,
    TRIP_SERVICES,
    service_dag_id,
)
from taxi_pipeline.core.settings import LockWait, Settings, setting
from taxi_pipeline.orchestration.assets import publish_month
from taxi_pipeline.orchestration.failures import leaves_its_failure
from taxi_pipeline.orchestration.namespaces import namespace_named

# The DAG file imports this module every time the dag-processor parses it: the data path
# (pyarrow, the ADBC driver, dbt) is imported inside the tasks, which are the only users.
if TYPE_CHECKING:
    from taxi_pipeline.core.pipeline import LoadedMonth
    from taxi_pipeline.core.transforms import DbtTarget

log = logging.getLogger(__name__)

DEFAULT_GRACE_DAYS = 75
DEFAULT_POKE_S = 6 * 3600


def trigger_hint(dag_id: str = DAG_ID) -> str:
    hint = (
        f'trigger it with a month: airflow dags trigger {dag_id} --conf \'{{"month": "2024-01"}}\' '
    )
    # The CLI runs only the un-namespaced pipeline, any service.
    cli_services = {service_dag_id(s): s for s in TRIP_SERVICES}
    if dag_id in cli_services:
        service = cli_services[dag_id]
        option = "" if service == DEFAULT_SERVICE else f"--service {service} "
        hint += (
            f"(or taxi-pipeline run {option}--month 2024-01, or the month field of the UI's "
            f"trigger form)"
        )
    else:
        hint += "(or the month field of the UI's trigger form)"
    return hint


# -- configuration ---------------------------------------------------------------------------


def config_value(name: str, default: str) -> str:
    """Variable ``taxi_<name>``, else environment ``TAXI_<NAME>``, else ``default``."""
    return setting(name, default, override=_variable)


def _variable(name: str) -> str | None:
    return Variable.get(f"taxi_{name}", default=None)


def _int_setting(name: str, default: int, param: Any = None) -> int:
    raw = param if param not in (None, "") else config_value(name, str(default))
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a whole number, got {str(raw)[:40]!r}") from None
    if value < 0:
        raise InvalidParameter(f"{name} must not be negative, got {value}")
    return value


def airflow_home() -> Path:
    # Airflow's own rule for where its home is when AIRFLOW_HOME is unset.
    return Path(os.environ.get("AIRFLOW_HOME") or Path("~/airflow").expanduser())


def task_settings(namespace: str = "", service: str = DEFAULT_SERVICE) -> Settings:
    """The settings of a task of the ``service`` DAG of ``namespace`` (both fixed by the DAG)."""
    ns = namespace_named(namespace)
    base_dir = Path(config_value("work_dir", str(airflow_home() / "taxi_pipeline")))
    work_dir = ns.work_dir(base_dir)
    return Settings(
        service=service,
        tlc_base_url=config_value("tlc_base_url", DEFAULT_TLC_BASE_URL),
        state_dir=work_dir,
        work_dir=work_dir,
        raw_schema=ns.raw_schema or config_value("raw_schema", DEFAULT_RAW_SCHEMA),
        dbt_schema=ns.dbt_schema or config_value("dbt_schema", DEFAULT_DBT_SCHEMA),
        copy_streams=config_value("copy_streams", str(DEFAULT_COPY_STREAMS)),
        lock_wait=LockWait.configured(_variable),
    )


def dbt_project(default_dir: str) -> Path:
    """``TAXI_DBT_PROJECT_DIR`` if set, else the project the DAG file found next to itself."""
    if os.environ.get("TAXI_DBT_PROJECT_DIR"):
        from taxi_pipeline.core.dbt import find_project_dir

        return find_project_dir()
    path = Path(default_dir)
    if not (path / "dbt_project.yml").exists():
        raise InvalidParameter(
            f"no dbt project at {path}: deploy include/dbt_project next to the dags folder "
            f"or set TAXI_DBT_PROJECT_DIR"
        )
    return path


# -- credentials -----------------------------------------------------------------------------


def warehouse_url(namespace: str = "") -> str:
    """The namespace's own connection (``azure_pg__<name>``) if defined, else ``azure_pg``, as a
    libpq URL; its password is registered with the log masker first."""
    conn_ids = namespace_named(namespace).connection_ids
    for conn_id in conn_ids:
        try:
            conn = Connection.get(conn_id)
        except AirflowNotFoundException:
            continue
        if conn.password:
            # Drivers and error messages may show the URL-quoted form rather than the raw one.
            mask_secret(conn.password)
            mask_secret(quote(conn.password, safe=""))
        log.info("warehouse connection %s", conn_id)
        return WarehouseConnection.from_airflow_connection(conn).url
    raise InvalidParameter(
        f"Airflow connection {conn_ids[-1]!r} is not defined: add it (airflow connections add "
        f"{conn_ids[-1]} --conn-type postgres ...) or set AIRFLOW_CONN_{conn_ids[-1].upper()}"
    )


# -- the run's month -------------------------------------------------------------------------


def month_for_run(context: Any) -> Month:
    """The run's month (``months.month_of_run``), logged with what decided it."""
    dag_run = context.get("dag_run")
    run_type = getattr(getattr(dag_run, "run_type", None), "value", None) or str(
        getattr(dag_run, "run_type", "")
    )
    try:
        month, decided_by = month_of_run(
            month_param=(context.get("params") or {}).get("month"),
            run_type=run_type,
            interval_start=context.get("data_interval_start"),
            interval_end=context.get("data_interval_end"),
            logical_date=getattr(dag_run, "logical_date", None),
        )
    except InvalidParameter as exc:
        hint = trigger_hint(getattr(dag_run, "dag_id", None) or DAG_ID)
        raise InvalidParameter(f"{exc}: {hint}") from None
    log.info("month %s (from %s)", month, decided_by)
    return month


# -- tasks -----------------------------------------------------------------------------------


@leaves_its_failure
def ingest_taxi_month(namespace: str = "", service: str = DEFAULT_SERVICE) -> dict[str, Any]:
    """Load the run's month; wait (rescheduled, holding no worker slot) until TLC publishes it."""
    from taxi_pipeline.core.pipeline import LoadedMonth, ingest_month

    context = get_current_context()
    month = month_for_run(context)
    settings = task_settings(namespace, service)
    grace_days = _int_setting(
        "publication_grace_days",
        DEFAULT_GRACE_DAYS,
        (context.get("params") or {}).get("publication_grace_days"),
    )
    url = warehouse_url(namespace)
    try:
        result = ingest_month(settings, month, url)
    except MonthNotAvailable as exc:
        wait_or_fail(exc, settings, month, grace_days)
    loaded = LoadedMonth(month, settings.service, settings.raw_schema, result.load_id)
    publish_month(context, loaded, schema=loaded.raw_schema)
    return {
        **loaded.as_xcom(),
        "rows_in_file": result.rows_in_file,
        "rows_loaded": result.rows_loaded,
        "spillover_rows": result.spillover_rows,
        "file_sha256": result.file_sha256,
        "download_s": round(result.download_s, 2),
        "seconds": round(result.seconds, 2),
    }


def wait_or_fail(
    exc: MonthNotAvailable,
    settings: Settings,
    month: Month,
    grace_days: int,
    now: datetime | None = None,
) -> NoReturn:
    """Reschedule while ``month`` may still be published; past its deadline, fail for good."""
    deadline = publication_deadline(month, grace_days)
    deadline_at = datetime.combine(deadline, time(0), tzinfo=UTC)
    # The clock only decides how long to wait for the file, never which month is loaded.
    now = now or datetime.now(UTC)
    if now < deadline_at:
        poke_s = _int_setting("publication_poke_s", DEFAULT_POKE_S)
        next_check = min(now + timedelta(seconds=max(poke_s, 1)), deadline_at)
        log.warning(
            "%s %s is not published yet (HTTP %s from %s). TLC publishes about two months late; "
            "checking again at %s without holding a worker slot. The run fails if it is still "
            "missing on %s (publication_grace_days=%d).",
            settings.service,
            month,
            exc.status,
            exc.url,
            next_check.isoformat(timespec="minutes"),
            deadline,
            grace_days,
        )
        raise AirflowRescheduleException(reschedule_date=next_check) from None
    raise MonthNotAvailable(
        f"{settings.service} {month} was not published by {deadline} ({grace_days} days after "
        f"the month ended): {exc.url} answers HTTP {exc.status}. TLC has had time to publish it, "
        f"so check the month and the TLC base URL (Variable taxi_tlc_base_url); if TLC is "
        f"merely late, raise the Variable "
        f"taxi_publication_grace_days and clear this task.",
        url=exc.url,
        status=exc.status,
    ) from None


@leaves_its_failure
def dbt_run(upstream: dict[str, Any], dbt_project_dir: str, namespace: str = "") -> dict[str, Any]:
    """Seed the reference tables and build the models for the month ``ingest_taxi_month`` loaded.

    One dbt invocation builds every month waiting for it (a backfill's other loaded months too);
    when another run's invocation built this month already, the task finishes without dbt.
    """
    from taxi_pipeline.core.pipeline import LoadedMonth
    from taxi_pipeline.core.transforms import build_month

    loaded = LoadedMonth.from_xcom(upstream)
    month = loaded.month
    target = _dbt_target(loaded, dbt_project_dir, namespace)
    built = build_month(target, month, echo=_log_dbt)
    if built.batch:
        log.info(
            "%s: built with %d month(s) in one dbt invocation: %s",
            month,
            len(built.batch),
            ", ".join(map(str, built.batch)),
        )
    return {
        **loaded.as_xcom(),
        "dbt_schema": target.dbt_schema,
        "built_load_id": built.load_id,
        "batch": [str(m) for m in built.batch],
        "seeds_and_models": dict(built.statuses),
        "dbt": built.dbt.as_dict(),
    }


@leaves_its_failure
def dbt_test(upstream: dict[str, Any], dbt_project_dir: str, namespace: str = "") -> dict[str, Any]:
    """Run the dbt tests for the month ``dbt_run`` built; a failing test fails the run at once.

    Like ``dbt_run``, one invocation tests every built month waiting for its tests, and each
    month's run reports that month's own outcome.
    """
    from taxi_pipeline.core.pipeline import LoadedMonth
    from taxi_pipeline.core.transforms import month_tests

    loaded = LoadedMonth.from_xcom(upstream)
    month = loaded.month
    target = _dbt_target(loaded, dbt_project_dir, namespace)
    tested = month_tests(target, month, echo=_log_dbt, own_load_id=loaded.load_id)
    if tested.superseded_by is None:
        log.info("dbt tests for %s: %s", month, tested.summary)
    publish_month(get_current_context(), loaded, schema=target.dbt_schema)
    return {
        "month": str(month),
        "tests": dict(tested.statuses),
        "warned": tested.warned,
        "batch": [str(m) for m in tested.batch],
        "superseded_by_load": tested.superseded_by,
        "dbt": tested.dbt.as_dict(),
    }


def _dbt_target(loaded: LoadedMonth, dbt_project_dir: str, namespace: str) -> DbtTarget:
    """dbt's target for the month ingest loaded: its raw schema, not today's setting."""
    from taxi_pipeline.core.transforms import DbtTarget

    settings = task_settings(namespace)
    return DbtTarget(
        warehouse_url=warehouse_url(namespace),
        work_dir=Path(settings.work_dir),
        raw_schema=loaded.raw_schema,
        dbt_schema=settings.dbt_schema,
        service=loaded.service,
        project_dir=dbt_project(dbt_project_dir),
        lock_wait=settings.lock_wait,
    )


def _log_dbt(line: str) -> None:
    log.info("dbt: %s", line)


# -- retries ---------------------------------------------------------------------------------


class TransientOnlyRetryPolicy(RetryPolicy):
    """Retry what may pass on a later try; fail deterministic pipeline errors on the first.

    The retry delay can be shortened without re-deploying the DAG through the Variable
    ``taxi_retry_delay_s`` (or ``TAXI_RETRY_DELAY_S``); otherwise the task's ``retry_delay``
    applies.
    """

    def evaluate(
        self,
        exception: BaseException,
        try_number: int,
        max_tries: int,
        context: Any = None,
    ) -> RetryDecision:
        if isinstance(exception, PipelineError) and not exception.retryable:
            return RetryDecision.fail(
                f"{type(exception).__name__} will fail the same way on every try: not retrying"
            )
        kind = "transient" if isinstance(exception, PipelineError) else "unexpected"
        return RetryDecision.retry(
            delay=_retry_delay_override(),
            reason=f"{kind} {type(exception).__name__}: retrying (try {try_number} of {max_tries})",
        )

    def serialize(self) -> dict[str, Any]:
        return {"__type": type(self).__name__}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> TransientOnlyRetryPolicy:
        return cls()


def _retry_delay_override() -> timedelta | None:
    try:
        raw = config_value("retry_delay_s", "")
        return timedelta(seconds=float(raw)) if raw else None
    except Exception:
        # A broken knob must not turn a retry into a failure: fall back to the task's delay.
        log.warning("ignoring an unusable taxi_retry_delay_s setting", exc_info=True)
        return None
