"""Batched transforms through the real scheduler: one dbt invocation for the months waiting, each
run reporting its own month, reloads during a transform, and marts equal to a serial build.

These tests share the session's Airflow and run after tests/e2e/test_airflow_runs.py has loaded
the three sample months; each leaves every month loaded from its real file.
"""

from __future__ import annotations

import contextlib

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from taxi_pipeline.core.dbt import run_dbt
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import DAG_ID, DBT_POOL, DBT_POOL_DESCRIPTION
from taxi_pipeline.local.airflow import LocalAirflow
from tests.conftest import SAMPLE_MONTHS, TLC_SAMPLES
from tests.e2e.test_faults_airflow import wait_for
from tests.support import airflow_runs
from tests.support.sample_months import (
    file_name,
    marts_digest,
    month_report,
    parquet_bytes,
    rows_in_sample,
)
from tests.support.tlc_server import Fault

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEC, JAN = Month(2023, 12), Month(2024, 1)
RUN_TIMEOUT_S = 420
FAILING_TEST = "stg_green_trips_payment_type_accepted_values"
RELOADED_ROWS = 1000


def with_unknown_payment_type(month: Month) -> bytes:
    """The month's real file, one row carrying a payment type no rule allows."""
    table = pq.read_table(TLC_SAMPLES / file_name(month))
    index = table.schema.get_field_index("payment_type")
    values = table.column(index).to_pylist()
    values[3] = 42
    return parquet_bytes(
        table.set_column(index, "payment_type", pa.array(values, table.schema.field(index).type))
    )


@contextlib.contextmanager
def dbt_pool_closed(airflow: LocalAirflow):
    """No dbt task starts in the block: the loads of every month finish first."""
    airflow.airflow_cli("pools", "set", DBT_POOL, "0", DBT_POOL_DESCRIPTION)
    try:
        yield
    finally:
        airflow.airflow_cli("pools", "set", DBT_POOL, "1", DBT_POOL_DESCRIPTION)


def task_states(airflow: LocalAirflow, run_id: str) -> dict[str, str]:
    return {t["task_id"]: t["state"] for t in airflow.task_instances() if t["run_id"] == run_id}


def try_of(airflow: LocalAirflow, run_id: str, task_id: str) -> int:
    """The task's current try (a reprocessed run's tries go on counting)."""
    (number,) = [
        t["try_number"]
        for t in airflow.task_instances()
        if t["run_id"] == run_id and t["task_id"] == task_id
    ]
    return number


def results(airflow: LocalAirflow, run_ids: list[str], task_id: str) -> dict[str, dict]:
    """What ``task_id`` returned in each of the runs that got that far."""
    return {
        run_id: value
        for (run_id, task), value in airflow.task_results(run_ids).items()
        if task == task_id
    }


def assert_marts_equal_a_serial_build(url: str, work_dir) -> None:
    """The marts equal what dbt builds from the same raw rows, one month per invocation."""
    months = [Month.parse(m) for m in month_report(url)]
    for month in months:
        result = run_dbt(
            "build",
            url,
            work_dir,
            target_schema="serial_reference",
            months=[month],
            resource_types=("seed", "model"),
        )
        assert result.success, result.output_tail
    try:
        assert marts_digest(url) == marts_digest(url, schema="serial_reference")
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("drop schema serial_reference cascade")


def assert_no_relation_collision(airflow: LocalAirflow) -> None:
    for log in (airflow.home / "logs" / f"dag_id={DAG_ID}").rglob("*.log"):
        text = log.read_text(errors="replace")
        for sign in ("__dbt_backup", "__dbt_tmp", "already exists"):
            assert sign not in text, f"{sign} in {log}"


def wait_for_runs(airflow: LocalAirflow, run_ids: list[str]) -> dict[str, str]:
    done = airflow_runs.wait_for_runs(airflow, run_ids, timeout_s=RUN_TIMEOUT_S)
    return {run["run_id"]: run["state"] for run in done}


def test_waiting_months_are_transformed_at_once_and_a_bad_month_fails_alone(
    airflow, tlc_mirror, tmp_path
):
    tlc_mirror.reset()
    tlc_mirror.script(file_name(DEC), Fault(body=with_unknown_payment_type(DEC)))
    with dbt_pool_closed(airflow):
        backfill_id = airflow.create_backfill(DEC, JAN, reprocess="completed")
        manual = airflow.trigger(SAMPLE_MONTHS[0])
        runs = wait_for(lambda: airflow.backfill_runs(backfill_id), 60, "the backfill's runs")
        run_ids = [r["run_id"] for r in runs] + [manual]
        wait_for(
            lambda: all(
                task_states(airflow, r).get("ingest_taxi_month") == "success" for r in run_ids
            ),
            RUN_TIMEOUT_S,
            "every month loaded",
        )
    states = wait_for_runs(airflow, run_ids)
    month_of = {
        run_id: Month.parse(r["month"])
        for run_id, r in results(airflow, run_ids, "ingest_taxi_month").items()
    }
    bad_run = next(run_id for run_id, month in month_of.items() if month == DEC)
    assert states.pop(bad_run) == "failed"
    assert set(states.values()) == {"success"}, states
    assert task_states(airflow, bad_run) == {
        "ingest_taxi_month": "success",
        "dbt_run": "success",
        "dbt_test": "failed",
    }
    log = airflow_runs.task_log(airflow, bad_run, "dbt_test", try_of(airflow, bad_run, "dbt_test"))
    assert f"dbt tests failed for {DEC}: {FAILING_TEST}" in log

    # One invocation built the three months; the other two runs found theirs built.
    built = results(airflow, run_ids, "dbt_run")
    invoked = [r for r in built.values() if r["dbt"]["invoked"]]
    assert len(invoked) == 1, built
    assert sorted(invoked[0]["batch"]) == sorted(str(m) for m in SAMPLE_MONTHS)
    # One invocation tested them too, whichever run's dbt_test got the pool first.
    test_logs = [
        airflow_runs.task_log(airflow, r, "dbt_test", try_of(airflow, r, "dbt_test"))
        for r in run_ids
    ]
    assert sum("testing 3 month(s) in one invocation" in log for log in test_logs) == 1
    # Each run reports its own month's tests: the same tests, the same warnings, all passed.
    tested = results(airflow, run_ids, "dbt_test")
    assert set(tested) == set(run_ids) - {bad_run}
    for run_id, outcome in tested.items():
        assert outcome["month"] == str(month_of[run_id])
        assert sorted(outcome["batch"]) == sorted(str(m) for m in SAMPLE_MONTHS)
        assert outcome["tests"]["pass"] > 10 and "fail" not in outcome["tests"]
    assert_no_relation_collision(airflow)


def test_a_month_reloaded_during_its_transform_ends_exact(
    airflow, tlc_mirror, e2e_warehouse, tmp_path
):
    url = e2e_warehouse.url
    tlc_mirror.reset()
    smaller = pq.read_table(TLC_SAMPLES / file_name(JAN)).slice(0, RELOADED_ROWS)
    holding = psycopg.connect(url)
    try:
        # dbt builds the marts only after the facts; holding the summary stalls it in between.
        holding.execute("lock table analytics.mart_monthly_summary in exclusive mode")
        first = airflow.trigger(JAN)
        wait_for(
            lambda: waiting_dbt_statements(url) > 0, RUN_TIMEOUT_S, "dbt to wait for the summary"
        )
        tlc_mirror.script(file_name(JAN), Fault(body=parquet_bytes(smaller)))
        second = airflow.trigger(JAN)
        wait_for(
            lambda: task_states(airflow, second).get("ingest_taxi_month") == "success",
            RUN_TIMEOUT_S,
            "the reload of the month",
        )
    finally:
        holding.close()
    states = wait_for_runs(airflow, [first, second])
    assert set(states.values()) == {"success"}, states
    report = month_report(url)[str(JAN)]
    assert report["rows"] == report["fct_trips"] == report["summary_trips"] == RELOADED_ROWS
    assert_marts_equal_a_serial_build(url, tmp_path)

    # Back to the real file for the tests that follow, through a backfill of every month.
    tlc_mirror.reset()
    backfill_id = airflow.create_backfill(DEC, JAN, reprocess="completed")
    manual = airflow.trigger(SAMPLE_MONTHS[0])
    done = airflow.wait_for_backfill(backfill_id, timeout_s=RUN_TIMEOUT_S)
    states = wait_for_runs(airflow, [manual])
    assert {r["state"] for r in done} | set(states.values()) == {"success"}
    for month in SAMPLE_MONTHS:
        assert month_report(url)[str(month)]["fct_trips"] == rows_in_sample(month)
    assert_marts_equal_a_serial_build(url, tmp_path)
    assert_no_relation_collision(airflow)


def waiting_dbt_statements(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from pg_stat_activity where application_name like "
            "'taxi_pipeline_dbt %%' and wait_event_type = 'Lock'"
        ).fetchone()[0]
