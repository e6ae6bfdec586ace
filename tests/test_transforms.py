"""Batched transforms against real PostgreSQL and dbt: one invocation for every waiting month,
each month's own test outcome, and months reloaded mid-batch transformed again."""

from __future__ import annotations

import psycopg
import pytest

from taxi_pipeline.core.dbt import run_dbt
from taxi_pipeline.core.errors import DbtFailed
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import dbt_target, ingest_month
from taxi_pipeline.core.transforms import build_month, month_tests
from tests.conftest import SAMPLE_MONTHS
from tests.support.sample_months import (
    JAN_FILE,
    january_table,
    marts_digest,
    month_report,
    parquet_bytes,
    rows_in_sample,
)
from tests.support.tlc_server import Fault

JAN, DEC = Month(2024, 1), Month(2023, 12)
BAD_ROW_TEST = "stg_green_trips_payment_type_accepted_values"


def quiet(line: str) -> None:
    pass


@pytest.fixture
def loaded(settings, warehouse_url):
    for month in SAMPLE_MONTHS:
        ingest_month(settings, month, warehouse_url)
    return dbt_target(settings, warehouse_url)


def test_one_invocation_builds_and_tests_every_waiting_month(loaded):
    built = build_month(loaded, JAN, quiet)
    assert built.batch == tuple(SAMPLE_MONTHS)
    assert built.dbt.as_dict()["invoked"]
    # The other months were built by that invocation: no dbt for them.
    for month in SAMPLE_MONTHS[:2]:
        again = build_month(loaded, month, quiet)
        assert again.batch == () and not again.dbt.as_dict()["invoked"]
    report = month_report(loaded.warehouse_url)
    assert {m: r["fct_trips"] for m, r in report.items()} == {
        str(m): rows_in_sample(m) for m in SAMPLE_MONTHS
    }

    first = month_tests(loaded, DEC, quiet)
    assert first.batch == tuple(SAMPLE_MONTHS) and first.dbt.as_dict()["invoked"]
    for month in SAMPLE_MONTHS:
        outcome = month_tests(loaded, month, quiet)
        assert not outcome.failed
        assert outcome.statuses["pass"] > 10
        # The real months have nulls in payment_type and trip_type: warnings, per month.
        assert "not_null_stg_green_trips_payment_type" in outcome.warned
        assert not outcome.dbt.as_dict()["invoked"]


def test_a_failing_test_fails_only_the_month_it_fails_for(loaded):
    with psycopg.connect(loaded.warehouse_url) as conn:
        conn.execute(
            "update raw.green_trips set payment_type = 42 "
            "where source_month = '2023-12-01' and source_row = 3"
        )
    build_month(loaded, JAN, quiet)
    lines: list[str] = []
    assert not month_tests(loaded, JAN, lines.append).failed
    assert any("checking each month" in line for line in lines), lines
    with pytest.raises(DbtFailed, match=f"dbt tests failed for 2023-12: {BAD_ROW_TEST}"):
        month_tests(loaded, DEC, quiet)
    assert not month_tests(loaded, Month(2023, 1), quiet).failed

    # A failure is reported once: clearing the task tests the month again, with dbt.
    retried: list[str] = []
    with pytest.raises(DbtFailed, match=BAD_ROW_TEST):
        month_tests(loaded, DEC, retried.append)
    assert any("testing 1 month(s)" in line for line in retried), retried


def test_a_month_reloaded_while_its_batch_runs_is_transformed_again(settings, loaded, tlc):
    smaller = january_table().slice(0, 1000)
    tlc.script(JAN_FILE, Fault(body=parquet_bytes(smaller)))
    reloaded = []

    def reload_once_the_facts_are_built(line: str) -> None:
        # The facts have read January's first load; the marts are not finished yet.
        if "START sql incremental model" in line and "mart_monthly_summary" in line:
            reloaded.append(ingest_month(settings, JAN, loaded.warehouse_url))

    build_month(loaded, DEC, reload_once_the_facts_are_built)
    assert reloaded and reloaded[0].rows_loaded == 1000
    assert month_report(loaded.warehouse_url)["2024-01"]["fct_trips"] == rows_in_sample(JAN)

    # The batch recorded the load it started from, so January is waiting again.
    again = build_month(loaded, JAN, quiet)
    assert again.batch == (JAN,)
    assert month_report(loaded.warehouse_url)["2024-01"]["fct_trips"] == 1000
    assert not month_tests(loaded, JAN, quiet).failed


def test_batched_marts_equal_a_serial_build(settings, warehouse_url, loaded, embedded_pg):
    build_month(loaded, JAN, quiet)
    batched = marts_digest(warehouse_url)
    # The same months built one invocation each, in another order, into a fresh schema.
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("drop schema analytics cascade")
    for month in reversed(SAMPLE_MONTHS):
        result = run_dbt(
            "build",
            warehouse_url,
            settings.work_dir,
            target_schema="analytics",
            months=[month],
            resource_types=("seed", "model"),
        )
        assert result.success, result.output_tail
    assert marts_digest(warehouse_url) == batched


def test_a_new_month_keeps_dbt_s_partial_parse(settings, warehouse_url, loaded):
    first = run_dbt(
        "build",
        warehouse_url,
        settings.work_dir,
        target_schema="analytics",
        months=[JAN],
        resource_types=("seed", "model"),
    )
    second = run_dbt(
        "build",
        warehouse_url,
        settings.work_dir,
        target_schema="analytics",
        months=[DEC],
        resource_types=("seed", "model"),
    )
    assert first.success and second.success
    assert first.full_parse and not second.full_parse
