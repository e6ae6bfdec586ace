"""Data-aware scheduling through the real scheduler: a month of taxi_pipeline publishes its asset
events, and the example consumer (taxi_monthly_summary_export) runs once for that month.

The consumer is deployed here, as a user would add it: its file put in the dags folder, parsed,
unpaused; then one month is loaded. It is paused and removed again afterwards, so that the other
modules' loads start no exports.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import psycopg
import pytest

from taxi_pipeline.core.exports import summary_file_name
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import DAG_ID, DEFAULT_SERVICE, SUMMARY_EXPORT_DAG_ID
from taxi_pipeline.local.airflow_metadata import TERMINAL_RUN_STATES
from taxi_pipeline.orchestration.assets import MonthAssets
from taxi_pipeline.orchestration.namespaces import Namespace
from tests.e2e.conftest import DEPLOYED_LATER, REPO_DAGS
from tests.support import airflow_runs
from tests.support.sample_months import rows_in_sample
from tests.support.timings import TIMINGS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MONTH = Month(2023, 1)
(CONSUMER_FILE,) = (REPO_DAGS / name for name in DEPLOYED_LATER)
ASSETS = MonthAssets(Namespace())
RUN_TIMEOUT_S = 420


@pytest.fixture(scope="module")
def consumer(airflow, dags_folder):
    """The consumer DAG deployed into the session's Airflow, parsed and unpaused."""
    deployed = dags_folder / CONSUMER_FILE.name
    deployed.symlink_to(CONSUMER_FILE)
    try:
        _wait_for_dag(airflow, SUMMARY_EXPORT_DAG_ID)
        airflow.unpause(SUMMARY_EXPORT_DAG_ID)
        yield SUMMARY_EXPORT_DAG_ID
    finally:
        airflow.airflow_cli("dags", "pause", SUMMARY_EXPORT_DAG_ID, check=False)
        deployed.unlink()


def _wait_for_dag(airflow, dag_id: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not (dag := airflow.dags().get(dag_id)) or dag["is_stale"]:
        errors = airflow.import_errors()
        assert not errors, errors
        assert time.monotonic() < deadline, f"{dag_id} not parsed after {timeout_s}s"
        time.sleep(1.0)


@pytest.fixture(scope="module")
def one_month(airflow, consumer):
    """Load MONTH once with the consumer deployed; returns the producer's run and the consumer's
    runs, read once the consumer has finished."""
    with airflow.metadata() as conn:
        (last_event,) = conn.execute("select coalesce(max(id), 0) from asset_event").fetchone()
    started = time.monotonic()
    run_id = airflow.trigger(MONTH)
    (run,) = airflow_runs.wait_for_runs(airflow, [run_id], timeout_s=RUN_TIMEOUT_S)
    consumer_runs = _wait_for_consumer(airflow)
    TIMINGS["one month -> its asset-triggered export done"] = f"{time.monotonic() - started:.1f}s"
    return {"run": run, "consumer_runs": consumer_runs, "after_event": last_event}


def _wait_for_consumer(airflow, timeout_s: float = 180.0) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while True:
        runs = airflow.dag_runs(SUMMARY_EXPORT_DAG_ID)
        if runs and all(r["state"] in TERMINAL_RUN_STATES for r in runs):
            return runs
        assert time.monotonic() < deadline, f"consumer runs after {timeout_s}s: {runs}"
        time.sleep(1.0)


def _events(airflow, after_id: int) -> list[dict]:
    with airflow.metadata() as conn, conn.cursor() as cur:
        cur.execute(
            "select e.id, a.name, e.extra, e.source_dag_id, e.source_task_id, e.source_run_id "
            "from asset_event e join asset a on a.id = e.asset_id where e.id > %s order by e.id",
            (after_id,),
        )
        names = [d.name for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_a_month_publishes_one_event_per_asset_with_the_month_in_its_extra(airflow, one_month):
    assert one_month["run"]["state"] == "success"
    events = _events(airflow, one_month["after_event"])
    by_asset = {event["name"]: event for event in events}
    assert len(events) == len(by_asset) == 3, events
    assert {e["source_run_id"] for e in events} == {one_month["run"]["run_id"]}
    assert {e["source_dag_id"] for e in events} == {DAG_ID}
    run_id = one_month["run"]["run_id"]
    load_id = airflow.task_results([run_id])[(run_id, "ingest_taxi_month")]["load_id"]
    month = {"service": DEFAULT_SERVICE, "month": str(MONTH), "load_id": load_id}
    raw = by_asset[ASSETS.raw_trips.name]
    assert raw["source_task_id"] == "ingest_taxi_month"
    assert raw["extra"] == {**month, "schema": "raw", "table": f"{DEFAULT_SERVICE}_trips"}
    for mart, model in zip(ASSETS.marts, ("fct_trips", "mart_monthly_summary"), strict=True):
        event = by_asset[mart.name]
        assert event["source_task_id"] == "dbt_test"
        assert event["extra"] == {**month, "schema": "analytics", "table": model}


def test_the_month_triggers_exactly_one_consumer_run_that_sees_that_month(
    airflow, one_month, e2e_warehouse
):
    (run,) = one_month["consumer_runs"]
    assert (run["run_type"], run["state"]) == ("asset_triggered", "success")
    with airflow.metadata() as conn:
        triggering = conn.execute(
            "select a.name, e.extra from dagrun_asset_event t "
            "join dag_run r on r.id = t.dag_run_id join asset_event e on e.id = t.event_id "
            "join asset a on a.id = e.asset_id where r.dag_id = %s and r.run_id = %s",
            (SUMMARY_EXPORT_DAG_ID, run["run_id"]),
        ).fetchall()
        (queued,) = conn.execute(
            "select count(*) from asset_dag_run_queue where target_dag_id = %s",
            (SUMMARY_EXPORT_DAG_ID,),
        ).fetchone()
    assert [(name, extra["month"]) for name, extra in triggering] == [
        (ASSETS.monthly_summary.name, str(MONTH))
    ]
    # Nothing left waiting to start a second run.
    assert queued == 0
    result = airflow.task_results([run["run_id"]], SUMMARY_EXPORT_DAG_ID)[
        (run["run_id"], "export_monthly_summary")
    ]
    (export,) = result["exports"]
    assert (export["month"], export["services"]) == (str(MONTH), [DEFAULT_SERVICE])

    path = Path(export["file"])
    assert path == airflow.home / "taxi_pipeline" / "exports" / summary_file_name(MONTH)
    with path.open(newline="") as f:
        exported = list(csv.DictReader(f))
    with psycopg.connect(e2e_warehouse.url) as conn:
        (mart_rows,) = conn.execute(
            "select count(*) from analytics.mart_monthly_summary where source_month = %s",
            (MONTH.first_day,),
        ).fetchone()
    assert len(exported) == export["rows"] == mart_rows > 0
    assert {row["source_month"] for row in exported} == {str(MONTH.first_day)}
    assert sum(int(row["trips"]) for row in exported) == rows_in_sample(MONTH)
