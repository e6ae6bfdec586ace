"""The DAGs import cleanly and keep their contract.

Self-contained on purpose: no fixtures from the project's conftest, so it also runs unchanged under
``astro dev pytest``. A DAG that fails to import disappears from the UI without a sound; this is
the test that makes such a break loud.
"""

from __future__ import annotations

import copy
import inspect
import itertools
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

# Outside an Airflow deployment, keep Airflow from creating ~/airflow (set before it is imported).
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import CronDataIntervalTimetable
from airflow.sdk.exceptions import AirflowRescheduleException, ParamValidationError

DAGS_FOLDER = Path(__file__).resolve().parent.parent / "dags"
DAG_ID = "taxi_pipeline"
TASKS = ["ingest_taxi_month", "dbt_run", "dbt_test"]
DBT_TASKS = ["dbt_run", "dbt_test"]

# A credential or a machine-specific path written into a DAG file.
FORBIDDEN = {
    "a URL with credentials": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:[^\s/@'\"]+@"),
    "a password literal": re.compile(
        r"""(?i)\b(password|passwd|secret|token)\b\s*[=:]\s*['"][^'"]+"""
    ),
    "a host path": re.compile(
        r"(?<![\w.])(/Users/|/home/|/root\b|/tmp\b|/var/folders/|/usr/local/airflow|/opt/airflow"
        r"|[A-Z]:\\\\)"
    ),
}


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    # Airflow 3.3 no longer takes include_examples (examples became a DAG bundle of their own).
    kwargs = {}
    if "include_examples" in inspect.signature(DagBag.__init__).parameters:
        kwargs["include_examples"] = False
    return DagBag(dag_folder=str(DAGS_FOLDER), **kwargs)


@pytest.fixture(scope="module")
def dag(dagbag):
    assert DAG_ID in dagbag.dags, f"{DAG_ID} missing; DAGs found: {sorted(dagbag.dags)}"
    return dagbag.dags[DAG_ID]


def test_no_import_errors(dagbag):
    assert not dagbag.import_errors, "\n\n".join(
        f"{path}:\n{error}" for path, error in dagbag.import_errors.items()
    )
    assert dagbag.size() >= 1


def test_every_dag_file_defines_a_dag(dagbag):
    files_with_dags = {Path(d.fileloc).resolve() for d in dagbag.dags.values()}
    for path in DAGS_FOLDER.glob("*.py"):
        if path.name.startswith("_"):
            continue
        assert path.resolve() in files_with_dags, f"{path.name} defines no DAG"


def test_tasks_run_in_order(dag):
    assert sorted(dag.task_ids) == sorted(TASKS)
    for upstream, downstream in itertools.pairwise(TASKS):
        assert dag.get_task(upstream).downstream_task_ids == {downstream}


def test_schedule_covers_one_calendar_month_per_run(dag):
    from airflow.timetables.base import DataInterval, TimeRestriction
    from airflow.timetables.interval import CronDataIntervalTimetable as SchedulerTimetable

    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert (dag.timetable.expression, str(dag.timetable.timezone)) == ("0 0 1 * *", "UTC")
    # As the scheduler sees it: the run after December 2023 covers January 2024 and is due
    # once January is over.
    timetable = SchedulerTimetable(dag.timetable.expression, dag.timetable.timezone)
    dec, jan, feb = (datetime(y, m, 1, tzinfo=UTC) for y, m in ((2023, 12), (2024, 1), (2024, 2)))
    info = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(dec, jan),
        restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=True),
    )
    assert (info.data_interval.start, info.data_interval.end, info.run_after) == (jan, feb, feb)


def test_history_is_loaded_by_backfill_not_by_catchup(dag):
    assert dag.catchup is False
    assert dag.start_date == datetime(2009, 1, 1, tzinfo=UTC)


def test_retries_are_for_transient_errors_only(dag):
    from taxi_pipeline.airflow_tasks import TransientOnlyRetryPolicy

    for task in dag.tasks:
        assert task.retries == 2, task.task_id
        assert task.retry_delay.total_seconds() == 300, task.task_id
        assert isinstance(task.retry_policy, TransientOnlyRetryPolicy), task.task_id


def test_dbt_tasks_share_the_one_slot_pool(dag):
    for task_id in DBT_TASKS:
        task = dag.get_task(task_id)
        assert task.pool == "dbt", task_id
        assert task.pool_slots == 1, task_id
    assert dag.get_task("ingest_taxi_month").pool != "dbt"


def test_tags_and_docs(dag):
    assert {"taxi", "dbt"} <= set(dag.tags)
    assert dag.doc_md and "--conf" in dag.doc_md and "month" in dag.doc_md


def test_month_param_is_validated(dag):
    params = copy.deepcopy(dag.params)
    for good in (None, "2024-01", "2009-12"):
        params["month"] = good
        params.validate()
    for bad in ("2024-13", "2024-1", "January", "2024-01-01"):
        with pytest.raises(ParamValidationError):
            params["month"] = bad
            params.validate()


def test_no_secrets_or_host_paths_in_dag_files():
    for path in DAGS_FOLDER.rglob("*.py"):
        text = path.read_text()
        for what, pattern in FORBIDDEN.items():
            match = pattern.search(text)
            assert not match, f"{path.name} contains {what}: {match.group(0)!r}"


# -- the month a run processes, its wait for TLC and its retries --------------------------------


def _context(run_type, logical_date=None, start=None, end=None, month=None):
    return {
        "params": {"month": month},
        "dag_run": SimpleNamespace(run_type=run_type, logical_date=logical_date),
        "data_interval_start": start,
        "data_interval_end": end,
    }


def test_month_comes_from_the_run_never_the_clock():
    from taxi_pipeline.airflow_tasks import month_for_run
    from taxi_pipeline.errors import InvalidParameter

    jan, feb = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
    assert str(month_for_run(_context("scheduled", jan, jan, feb))) == "2024-01"
    assert str(month_for_run(_context("backfill", jan, jan, feb))) == "2024-01"
    # The parameter wins over the interval.
    assert str(month_for_run(_context("backfill", jan, jan, feb, month="2023-12"))) == "2023-12"
    assert str(month_for_run(_context("manual", month="2023-01"))) == "2023-01"
    # A manual run's interval is inferred from its trigger time: its logical date is used.
    now = datetime.now(UTC)
    assert str(month_for_run(_context("manual", jan, now, now))) == "2024-01"
    with pytest.raises(InvalidParameter, match=r"airflow dags trigger taxi_pipeline --conf"):
        month_for_run(_context("manual"))


def test_unpublished_month_waits_until_its_deadline_then_fails():
    from taxi_pipeline.airflow_tasks import wait_or_fail
    from taxi_pipeline.errors import MonthNotAvailable
    from taxi_pipeline.months import Month

    missing = MonthNotAvailable(
        "403", url="https://tlc.example/green_tripdata_2024-10.parquet", status=403
    )
    settings = SimpleNamespace(service="green")
    october = Month(2024, 10)
    with pytest.raises(AirflowRescheduleException) as waiting:
        wait_or_fail(missing, settings, october, 75, now=datetime(2024, 11, 20, tzinfo=UTC))
    assert waiting.value.reschedule_date <= datetime(2025, 1, 15, tzinfo=UTC)
    with pytest.raises(MonthNotAvailable, match=r"not published by 2025-01-15") as failed:
        wait_or_fail(missing, settings, october, 75, now=datetime(2025, 1, 15, tzinfo=UTC))
    assert "green_tripdata_2024-10.parquet" in str(failed.value)


def test_retry_policy_retries_transient_errors_only():
    from airflow.sdk.definitions.retry_policy import RetryAction

    from taxi_pipeline.airflow_tasks import TransientOnlyRetryPolicy
    from taxi_pipeline.errors import (
        CorruptFile,
        DbtFailed,
        MonthNotAvailable,
        SchemaMismatch,
        SourceUnavailable,
        WarehouseUnavailable,
    )

    os.environ.pop("TAXI_RETRY_DELAY_S", None)
    policy = TransientOnlyRetryPolicy()
    deterministic = [
        MonthNotAvailable("gone", url="u", status=404),
        CorruptFile("html"),
        SchemaMismatch("columns"),
        DbtFailed("test failed"),
    ]
    for error in deterministic:
        decision = _evaluate(policy, error)
        assert decision.action == RetryAction.FAIL, type(error).__name__
    for error in (SourceUnavailable("HTTP 500"), WarehouseUnavailable("restart"), TimeoutError()):
        decision = _evaluate(policy, error)
        assert decision.action == RetryAction.RETRY, type(error).__name__


def _evaluate(policy, error):
    from unittest import mock

    # Outside a task there is no API server to ask for Variables.
    with mock.patch("taxi_pipeline.airflow_tasks.Variable.get", return_value=None):
        return policy.evaluate(error, try_number=1, max_tries=3)
