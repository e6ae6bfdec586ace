"""dbt against real loaded months: builds pass, re-runs are exact, a bad row fails its test."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import psycopg
import pytest

from taxi_pipeline.core.dbt import dbt_environment, find_project_dir
from taxi_pipeline.core.dbt_failures import run_dbt_checked
from taxi_pipeline.core.dbt_results import DbtResult
from taxi_pipeline.core.errors import DbtFailed, WarehouseAuthFailed, WarehouseUnavailable
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month
from taxi_pipeline.local.postgres import free_port
from tests.conftest import SAMPLE_MONTHS
from tests.support.dbt_processes import build_forked_after_warm_up
from tests.support.sample_months import rows_in_sample

JAN = Month(2024, 1)
SECRET = "not-the-password-42"


def fact_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select to_char(source_month, 'YYYY-MM'), count(*) from analytics.fct_trips group by 1"
        ).fetchall()
    return dict(rows)


def mart_digest(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select md5(string_agg(m::text, '|' order by m::text)) "
            "from analytics.mart_monthly_summary m"
        ).fetchone()[0]


def dbt(settings, command: str, month: Month | None, url: str) -> DbtResult:
    """``dbt <command>`` for one month (None: every month), raising when it fails."""
    return run_dbt_checked(
        command,
        url,
        settings.work_dir,
        target_schema=settings.dbt_schema,
        raw_schema=settings.raw_schema,
        months=None if month is None else [month],
    )


@pytest.fixture
def loaded(settings, warehouse_url):
    for month in SAMPLE_MONTHS:
        ingest_month(settings, month, warehouse_url)
    return warehouse_url


def test_dbt_builds_the_real_months_and_reruns_change_nothing(settings, loaded):
    full = dbt(settings, "build", None, loaded)
    assert full.test_statuses["pass"] > 10
    assert full.test_statuses["fail"] == full.test_statuses["error"] == 0
    assert fact_counts(loaded) == {str(m): rows_in_sample(m) for m in SAMPLE_MONTHS}
    digest = mart_digest(loaded)

    # Reload and rebuild one month: facts and mart must come out identical.
    ingest_month(settings, JAN, loaded)
    month_run = dbt(settings, "build", JAN, loaded)
    assert month_run.test_statuses["fail"] == month_run.test_statuses["error"] == 0
    assert fact_counts(loaded) == {str(m): rows_in_sample(m) for m in SAMPLE_MONTHS}
    assert mart_digest(loaded) == digest


def test_a_process_forked_after_the_warm_up_builds_a_month(settings, loaded):
    # As a task process forked from a scheduler that warmed dbt up: dbt already imported, and a
    # parse from scratch (a fresh target dir) must not hang on anything the warm-up started.
    result = build_forked_after_warm_up(loaded, settings.work_dir / "forked", JAN, timeout_s=300)
    assert result.success, result.output_tail
    assert result.timings.import_s == 0
    assert fact_counts(loaded) == {str(JAN): rows_in_sample(JAN)}


def test_a_bad_row_fails_the_matching_test(settings, loaded):
    dbt(settings, "build", JAN, loaded)
    with psycopg.connect(loaded) as conn:
        conn.execute(
            "update raw.green_trips set payment_type = 42 "
            "where source_month = '2024-01-01' and source_row = 17"
        )
    with pytest.raises(DbtFailed, match="payment_type") as info:
        dbt(settings, "build", JAN, loaded)
    assert "2024-01" in str(info.value)
    # Scoped to the run's month: another month still builds and tests clean.
    december = dbt(settings, "build", Month(2023, 12), loaded)
    assert december.test_statuses["fail"] == 0


def test_dbt_that_cannot_reach_postgres_fails_retryably_without_the_password(settings):
    port = free_port()
    url = f"postgresql://taxi:{SECRET}@127.0.0.1:{port}/warehouse"
    with pytest.raises(WarehouseUnavailable) as info:
        dbt(settings, "run", JAN, url)
    message = str(info.value)
    assert info.value.retryable
    assert f"PostgreSQL at 127.0.0.1:{port} is unreachable" in message
    assert "a retry may succeed" in message and SECRET not in message


def test_dbt_with_a_wrong_password_says_the_login_was_refused(settings, warehouse_url):
    wrong = re.sub(r"://([^:]+):[^@]*@", rf"://\1:{SECRET}@", warehouse_url)
    with pytest.raises(WarehouseAuthFailed) as info:
        dbt(settings, "run", JAN, wrong)
    assert not info.value.retryable
    assert "refused the login (authentication failed)" in str(info.value)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("bad", ["2024-01", "2024-01-01,2024-02-01; drop table x"])
def test_a_malformed_month_list_fails_before_any_sql(settings, warehouse_url, bad):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAXI_", "DBT_"))}
    env.update(dbt_environment(warehouse_url, "analytics", "raw"), TAXI_DBT_MONTHS=bad)
    project = find_project_dir()
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "dbt.cli.main", "compile", "--select", "fct_trips"),
            *("--project-dir", str(project), "--profiles-dir", str(project)),
            *("--target-path", str(settings.work_dir / "target")),
            *("--log-path", str(settings.work_dir / "logs")),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "TAXI_DBT_MONTHS must list first days of months as YYYY-MM-01" in proc.stdout
