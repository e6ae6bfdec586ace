"""dbt against real loaded months: builds pass, re-runs are exact, a bad row fails its test."""

from __future__ import annotations

import re

import psycopg
import pytest

from taxi_pipeline.errors import DbtFailed, WarehouseAuthFailed, WarehouseUnavailable
from taxi_pipeline.localpg import free_port
from taxi_pipeline.months import Month
from taxi_pipeline.pipeline import dbt_for_month, ingest_month
from tests.conftest import SAMPLE_MONTHS
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


@pytest.fixture
def loaded(settings, warehouse_url):
    for month in SAMPLE_MONTHS:
        ingest_month(settings, month, warehouse_url)
    return warehouse_url


def test_dbt_builds_the_real_months_and_reruns_change_nothing(settings, loaded):
    full = dbt_for_month(settings, "build", None, loaded)
    assert full.test_statuses["pass"] > 10
    assert full.test_statuses["fail"] == full.test_statuses["error"] == 0
    assert fact_counts(loaded) == {str(m): rows_in_sample(m) for m in SAMPLE_MONTHS}
    digest = mart_digest(loaded)

    # Reload and rebuild one month: facts and mart must come out identical.
    ingest_month(settings, JAN, loaded)
    month_run = dbt_for_month(settings, "build", JAN, loaded)
    assert month_run.test_statuses["fail"] == month_run.test_statuses["error"] == 0
    assert fact_counts(loaded) == {str(m): rows_in_sample(m) for m in SAMPLE_MONTHS}
    assert mart_digest(loaded) == digest


def test_a_bad_row_fails_the_matching_test(settings, loaded):
    dbt_for_month(settings, "build", JAN, loaded)
    with psycopg.connect(loaded) as conn:
        conn.execute(
            "update raw.green_trips set payment_type = 42 "
            "where source_month = '2024-01-01' and source_row = 17"
        )
    with pytest.raises(DbtFailed, match="payment_type") as info:
        dbt_for_month(settings, "build", JAN, loaded)
    assert "2024-01" in str(info.value)
    # Scoped to the run's month: another month still builds and tests clean.
    december = dbt_for_month(settings, "build", Month(2023, 12), loaded)
    assert december.test_statuses["fail"] == 0


def test_dbt_that_cannot_reach_postgres_fails_retryably_without_the_password(settings):
    port = free_port()
    url = f"postgresql://taxi:{SECRET}@127.0.0.1:{port}/warehouse"
    with pytest.raises(WarehouseUnavailable) as info:
        dbt_for_month(settings, "run", JAN, url)
    message = str(info.value)
    assert info.value.retryable
    assert f"PostgreSQL at 127.0.0.1:{port} is unreachable" in message
    assert "a retry may succeed" in message and SECRET not in message


def test_dbt_with_a_wrong_password_says_the_login_was_refused(settings, warehouse_url):
    wrong = re.sub(r"://([^:]+):[^@]*@", rf"://\1:{SECRET}@", warehouse_url)
    with pytest.raises(WarehouseAuthFailed) as info:
        dbt_for_month(settings, "run", JAN, wrong)
    assert not info.value.retryable
    assert "refused the login (authentication failed)" in str(info.value)
    assert SECRET not in str(info.value)
