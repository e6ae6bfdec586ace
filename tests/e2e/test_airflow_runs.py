"""The taxi_pipeline DAG end to end through a real scheduler, executor, pool and API server.

The tests share one Airflow and build on each other in file order: a first load of the three
sample months (one download answers HTTP 500 first), a reprocessing of the same months, a month
TLC never published, and the scheduled run of the month TLC has not published yet.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from taxi_pipeline.core.months import Month
from taxi_pipeline.local.airflow import LocalAirflow
from taxi_pipeline.local.airflow_status import LocalAirflowError
from tests.support import airflow_runs
from tests.support.sample_months import month_report, rows_in_sample
from tests.support.timings import TIMINGS
from tests.support.tlc_server import Fault

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
# The backfill covers the two consecutive sample months; January 2023 goes through a manual run
# at the same time, so that backfill and manual runs compete for the dbt pool.
BACKFILL = (Month(2023, 12), Month(2024, 1))
MANUAL = Month(2023, 1)
FLAKY_FILE = "green_tripdata_2023-12.parquet"
NEVER_PUBLISHED = Month(2023, 6)
RUN_TIMEOUT_S = 420


def load_months(airflow: LocalAirflow, reprocess: str) -> dict:
    started = datetime.now(UTC)
    clock = time.monotonic()
    backfill_id = airflow.create_backfill(*BACKFILL, reprocess=reprocess)
    manual_run = airflow.trigger(MANUAL)
    backfill_runs = airflow.wait_for_backfill(backfill_id, timeout_s=RUN_TIMEOUT_S)
    manual_runs = airflow_runs.wait_for_runs(airflow, [manual_run], timeout_s=RUN_TIMEOUT_S)
    return {
        "started": started,
        "seconds": time.monotonic() - clock,
        "runs": backfill_runs + manual_runs,
        "manual_run": manual_run,
    }


@pytest.fixture(scope="module")
def first_load(airflow, tlc_mirror, e2e_warehouse):
    tlc_mirror.reset()
    tlc_mirror.script(FLAKY_FILE, Fault(status=500))
    try:
        load = load_months(airflow, reprocess="none")
    finally:
        requests_seen = list(tlc_mirror.requests)
        tlc_mirror.reset()
    load["requests"] = requests_seen
    load["snapshot"] = month_report(e2e_warehouse.url)
    _record_timings(airflow, load, "first load of 3 months (2-month backfill + 1 manual run)")
    _record_month_timings(airflow, load)
    return load


@pytest.fixture(scope="module")
def reprocessed(airflow, first_load, e2e_warehouse):
    load = load_months(airflow, reprocess="completed")
    load["snapshot"] = month_report(e2e_warehouse.url)
    _record_timings(airflow, load, "reprocessing the same 3 months")
    return load


def _record_timings(airflow: LocalAirflow, load: dict, what: str) -> None:
    run_ids = {run["run_id"] for run in load["runs"]}
    tis = [t for t in airflow.task_instances() if t["run_id"] in run_ids and t["end_date"]]
    span = max(t["end_date"] for t in tis) - min(t["start_date"] for t in tis)
    TIMINGS[what] = (
        f"{load['seconds']:.1f}s from the CLI calls to the last run done; "
        f"{span.total_seconds():.1f}s from the first task start to the last task end"
    )


def _record_month_timings(airflow: LocalAirflow, load: dict) -> None:
    by_run: dict[str, dict[str, dict]] = {}
    for ti in airflow.task_instances():
        by_run.setdefault(ti["run_id"], {})[ti["task_id"]] = ti
    run_id = load["manual_run"]
    tasks = by_run[run_id]
    total = (
        tasks["dbt_test"]["end_date"] - tasks["ingest_taxi_month"]["start_date"]
    ).total_seconds()
    parts = ", ".join(
        f"{name} {(tasks[name]['end_date'] - tasks[name]['start_date']).total_seconds():.1f}s"
        for name in ("ingest_taxi_month", "dbt_run", "dbt_test")
    )
    TIMINGS[f"one month ({MANUAL}, manual run): first task start to last task end"] = (
        f"{total:.1f}s ({parts}; includes waiting for the dbt pool)"
    )


# -- the system is up ----------------------------------------------------------------------


def test_airflow_is_healthy_and_the_dag_loaded(airflow):
    status = airflow.status()
    assert status.healthy, status.problems()
    assert not status.import_errors
    assert "taxi_pipeline" in status.dags
    assert not status.dags["taxi_pipeline"]["is_paused"]


# -- first load ----------------------------------------------------------------------------


def test_every_run_of_the_first_load_succeeded(first_load):
    states = {run["run_id"]: run["state"] for run in first_load["runs"]}
    assert len(states) == 3
    assert set(states.values()) == {"success"}, states


def test_rows_per_month_equal_the_files(first_load):
    snapshot = first_load["snapshot"]
    for month in (*BACKFILL, MANUAL):
        state = snapshot[str(month)]
        assert state["rows"] == rows_in_sample(month), month
        assert state["fct_trips"] == state["rows"], f"fct_trips rows for {month}"
        assert state["summary_trips"] == state["rows"], f"mart_monthly_summary trips for {month}"


def test_a_500_is_retried_and_recovers(airflow, first_load):
    assert first_load["requests"].count(FLAKY_FILE) == 2
    run_id = _run_of(first_load, Month(2023, 12))
    tries = _tries(airflow, run_id, "ingest_taxi_month")
    # Airflow archives the failed first try as "failed" once the retry has started.
    assert [(t["try_number"], t["state"]) for t in tries] == [(1, "failed"), (2, "success")]
    first_try = airflow_runs.task_log(airflow, run_id, "ingest_taxi_month", 1)
    assert "HTTP 500" in first_try
    assert '"action":"retry"' in first_try


# -- reprocessing --------------------------------------------------------------------------


def test_reprocessing_changes_no_count_or_checksum(first_load, reprocessed):
    states = {run["run_id"]: run["state"] for run in reprocessed["runs"]}
    assert set(states.values()) == {"success"}, states
    assert reprocessed["snapshot"] == first_load["snapshot"]


def test_reprocessing_really_ran_the_tasks_again(airflow, reprocessed):
    started = reprocessed["started"]
    for run in reprocessed["runs"]:
        for ti in airflow.task_instances():
            if ti["run_id"] == run["run_id"]:
                assert ti["state"] == "success"
                assert ti["start_date"] >= started, (run["run_id"], ti["task_id"])


# -- months that are not there -------------------------------------------------------------


def test_a_month_past_its_deadline_fails_on_the_first_try(airflow, reprocessed, tlc_mirror):
    file_name = f"green_tripdata_{NEVER_PUBLISHED}.parquet"
    tlc_mirror.reset()
    backfill_id = airflow.create_backfill(NEVER_PUBLISHED, NEVER_PUBLISHED)
    runs = airflow.wait_for_backfill(backfill_id, timeout_s=RUN_TIMEOUT_S)
    assert [r["state"] for r in runs] == ["failed"]
    run_id = runs[0]["run_id"]
    tries = _tries(airflow, run_id, "ingest_taxi_month")
    assert [(t["try_number"], t["state"]) for t in tries] == [(1, "failed")]
    assert tlc_mirror.requests.count(file_name) == 1
    log = airflow_runs.task_log(airflow, run_id, "ingest_taxi_month", 1)
    assert "not published by 2023-09-14" in log
    assert file_name in log
    downstream = {
        t["task_id"]: t["state"] for t in airflow.task_instances() if t["run_id"] == run_id
    }
    assert downstream["dbt_run"] == downstream["dbt_test"] == "upstream_failed"


def test_a_backfill_right_after_another_waits_for_its_slot_and_one_in_progress_is_named(
    airflow, reprocessed, tlc_mirror
):
    tlc_mirror.reset()
    first = airflow.create_backfill(NEVER_PUBLISHED, NEVER_PUBLISHED, reprocess="failed")
    with pytest.raises(LocalAirflowError, match=rf"backfill {first} of taxi_pipeline is still"):
        airflow.create_backfill(NEVER_PUBLISHED, NEVER_PUBLISHED, reprocess="failed")
    # its run has finished, but the scheduler marks the backfill complete only later
    airflow.wait_for_backfill(first, timeout_s=RUN_TIMEOUT_S, marked_complete=False)
    second = airflow.create_backfill(NEVER_PUBLISHED, NEVER_PUBLISHED, reprocess="failed")
    assert second > first
    runs = airflow.wait_for_backfill(second, timeout_s=RUN_TIMEOUT_S)
    assert [r["state"] for r in runs] == ["failed"]


def test_a_manual_run_without_a_month_fails_at_once_saying_how_to_trigger(airflow, reprocessed):
    run_id = airflow.trigger()
    (run,) = airflow_runs.wait_for_runs(airflow, [run_id], timeout_s=RUN_TIMEOUT_S)
    assert run["state"] == "failed"
    tries = _tries(airflow, run_id, "ingest_taxi_month")
    assert [(t["try_number"], t["state"]) for t in tries] == [(1, "failed")]
    log = airflow_runs.task_log(airflow, run_id, "ingest_taxi_month", 1)
    assert "no month parameter and no logical date" in log
    assert "airflow dags trigger taxi_pipeline --conf" in log


def test_the_scheduled_run_of_an_unpublished_month_waits(airflow, first_load):
    # Created when the fixture unpaused the DAG; the mirror has no file for that month.
    scheduled = [r for r in airflow.dag_runs() if r["run_type"] == "scheduled"]
    assert len(scheduled) == 1, scheduled
    run = scheduled[0]
    month = Month.of(run["data_interval_start"])
    assert run["data_interval_end"] <= datetime.now(UTC)
    state = _wait_for_state(airflow, run["run_id"], "ingest_taxi_month", {"up_for_reschedule"})
    assert state == "up_for_reschedule"
    runs = {r["run_id"]: r for r in airflow.dag_runs()}
    assert runs[run["run_id"]]["state"] == "running"
    with airflow.metadata() as conn:
        (next_check,) = conn.execute(
            "select max(reschedule_date) from task_reschedule tr join task_instance ti "
            "on ti.id = tr.ti_id where ti.run_id = %s",
            (run["run_id"],),
        ).fetchone()
    assert next_check > datetime.now(UTC)
    log = airflow_runs.task_log(airflow, run["run_id"], "ingest_taxi_month", 1)
    assert f"green {month} is not published yet (HTTP 403" in log


# -- across every run ----------------------------------------------------------------------


def test_no_two_dbt_invocations_ever_overlapped(airflow, reprocessed):
    spans = sorted(
        (ti["start_date"], ti["end_date"], ti["run_id"], ti["task_id"], ti["try_number"])
        for ti in airflow.task_instances(history=True)
        if ti["task_id"] in ("dbt_run", "dbt_test")
        and ti["start_date"]
        and ti["end_date"]
        and ti["state"] != "upstream_failed"
    )
    assert len(spans) >= 12  # 3 months x 2 dbt tasks x 2 loads
    for earlier, later in itertools.pairwise(spans):
        assert later[0] >= earlier[1], f"{later[2:]} started before {earlier[2:]} ended"


def test_the_password_appears_nowhere(airflow, e2e_warehouse, reprocessed):
    password = e2e_warehouse.password
    forms = {password, quote(password, safe=""), quote(password)}
    with airflow.metadata() as conn:
        assert conn.execute("select count(*) from xcom").fetchone()[0] > 0
        assert conn.execute("select count(*) from rendered_task_instance_fields").fetchone()[0] > 0
        tables = [
            r[0]
            for r in conn.execute(
                "select tablename from pg_tables where schemaname = current_schema()"
            ).fetchall()
        ]
        for table in tables:
            for form in forms:
                hits = conn.execute(
                    psycopg.sql.SQL("select count(*) from {} t where t::text like %s").format(
                        psycopg.sql.Identifier(table)
                    ),
                    (f"%{form}%",),
                ).fetchone()[0]
                assert hits == 0, f"the password is in the metadata table {table}"
    folders = [airflow.home, REPO / "include" / "dbt_project"]
    scanned = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            data = path.read_bytes()
            scanned += 1
            for form in forms:
                assert form.encode() not in data, f"the password is in {path}"
    task_logs = list((airflow.home / "logs").rglob("*.log"))
    assert len(task_logs) >= 18
    assert scanned > len(task_logs)


def test_a_broken_dag_file_is_reported_not_silently_missing(airflow, dags_folder):
    broken = dags_folder / "broken_dag.py"
    broken.write_text("from airflow.sdk import dag\n\nraise RuntimeError('deliberately broken')\n")
    try:
        status = _wait_for_status(airflow, lambda s: bool(s.import_errors))
        assert any("broken_dag.py" in name for name in status.import_errors)
        assert not status.healthy
        assert any("deliberately broken" in problem for problem in status.problems())
    finally:
        broken.unlink()
    status = _wait_for_status(airflow, lambda s: not s.import_errors)
    assert status.healthy, status.problems()


# -- helpers -------------------------------------------------------------------------------


def _run_of(load: dict, month: Month) -> str:
    for run in load["runs"]:
        logical = run.get("logical_date")
        if logical is not None and Month.of(logical) == month:
            return run["run_id"]
    raise AssertionError(f"no run for {month} in {load['runs']}")


def _tries(airflow: LocalAirflow, run_id: str, task_id: str) -> list[dict]:
    rows = [
        t
        for t in airflow.task_instances(history=True)
        if t["run_id"] == run_id and t["task_id"] == task_id
    ]
    return sorted(rows, key=lambda t: t["try_number"])


def _wait_for_status(airflow, condition, timeout_s: float = 90.0):
    deadline = time.monotonic() + timeout_s
    while True:
        status = airflow.status()
        if condition(status) or time.monotonic() > deadline:
            return status
        time.sleep(1.0)


def _wait_for_state(airflow, run_id, task_id, wanted: set[str], timeout_s: float = 120.0) -> str:
    deadline = time.monotonic() + timeout_s
    state = None
    while time.monotonic() < deadline:
        for ti in airflow.task_instances():
            if ti["run_id"] == run_id and ti["task_id"] == task_id:
                state = ti["state"]
        if state in wanted:
            return state
        time.sleep(1.0)
    return state
