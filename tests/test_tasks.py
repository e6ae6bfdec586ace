"""The DAG's task bodies (taxi_pipeline.orchestration.tasks): the run's month, the wait for TLC,
the retry policy and the settings a task reads."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowRescheduleException


def _context(run_type, logical_date=None, start=None, end=None, month=None):
    return {
        "params": {"month": month},
        "dag_run": SimpleNamespace(run_type=run_type, logical_date=logical_date),
        "data_interval_start": start,
        "data_interval_end": end,
    }


def test_month_comes_from_the_run_never_the_clock():
    from taxi_pipeline.core.errors import InvalidParameter
    from taxi_pipeline.orchestration.tasks import month_for_run

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


def test_the_trigger_hint_names_the_dag_and_its_service():
    from taxi_pipeline.orchestration.tasks import trigger_hint

    assert "taxi-pipeline run --month 2024-01" in trigger_hint("taxi_pipeline")
    yellow = trigger_hint("taxi_pipeline_yellow")
    assert "airflow dags trigger taxi_pipeline_yellow" in yellow
    assert "taxi-pipeline run --service yellow --month 2024-01" in yellow
    assert "taxi-pipeline run" not in trigger_hint("alice__taxi_pipeline_yellow")


def test_unpublished_month_waits_until_its_deadline_then_fails():
    from taxi_pipeline.core.errors import MonthNotAvailable
    from taxi_pipeline.core.months import Month
    from taxi_pipeline.orchestration.tasks import wait_or_fail

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

    from taxi_pipeline.core.errors import (
        CorruptFile,
        DbtFailed,
        MonthNotAvailable,
        SchemaMismatch,
        SourceUnavailable,
        WarehouseUnavailable,
    )
    from taxi_pipeline.orchestration.tasks import TransientOnlyRetryPolicy

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
    with mock.patch("taxi_pipeline.orchestration.tasks.Variable.get", return_value=None):
        return policy.evaluate(error, try_number=1, max_tries=3)


def test_namespace_fixes_schemas_and_work_dir_whatever_the_variables_say(monkeypatch, tmp_path):
    from unittest import mock

    from taxi_pipeline.core.names import validate_identifier
    from taxi_pipeline.orchestration.tasks import task_settings

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    for name in ("TAXI_RAW_SCHEMA", "TAXI_DBT_SCHEMA", "TAXI_WORK_DIR"):
        monkeypatch.delenv(name, raising=False)
    shared = {
        "taxi_raw_schema": "shared_raw",
        "taxi_dbt_schema": "shared_analytics",
        "taxi_service": "green",
    }
    with mock.patch(
        "taxi_pipeline.orchestration.tasks.Variable.get",
        side_effect=lambda key, default=None: shared.get(key, default),
    ):
        plain, alice = task_settings(""), task_settings("alice")
        longest = task_settings("a" * 40)
        yellow = task_settings("", "yellow")
    assert (plain.raw_schema, plain.dbt_schema) == ("shared_raw", "shared_analytics")
    # The service is the DAG's own; every service's DAG shares the namespace's schemas.
    assert (plain.service, yellow.service) == ("green", "yellow")
    assert (yellow.raw_schema, yellow.dbt_schema, yellow.work_dir) == (
        plain.raw_schema,
        plain.dbt_schema,
        plain.work_dir,
    )
    assert (alice.raw_schema, alice.dbt_schema) == ("alice_raw", "alice_analytics")
    base = (tmp_path / "taxi_pipeline").resolve()
    assert (plain.work_dir, alice.work_dir) == (base, base / "namespaces" / "alice")
    validate_identifier(longest.raw_schema)
    validate_identifier(longest.dbt_schema)


def test_ingest_hands_dbt_a_checked_record_of_its_load():
    from taxi_pipeline.core.errors import InvalidParameter
    from taxi_pipeline.core.months import Month
    from taxi_pipeline.core.pipeline import LoadedMonth

    loaded = LoadedMonth(Month(2024, 1), "green", "alice_raw", 7)
    # The counts ingest reports beside it do not disturb it.
    assert LoadedMonth.from_xcom({**loaded.as_xcom(), "rows_loaded": 56551}) == loaded
    with pytest.raises(InvalidParameter, match="lacks raw_schema, load_id: clear ingest_taxi"):
        LoadedMonth.from_xcom({"month": "2024-01", "service": "green"})
    with pytest.raises(InvalidParameter, match="invalid raw schema"):
        LoadedMonth.from_xcom({**loaded.as_xcom(), "raw_schema": "raw; drop table x"})
