"""Soak: ten rounds of reprocessing the bundled months; nothing drifts, grows or leaks.

The three months are loaded and built together once (one batch, as a backfill's), then each round
reloads and rebuilds one of them in turn, so that every month is reprocessed three or four times
while every round checks all three: a reload of one month that touched its neighbours' rows, or
left dead rows, tables or sessions behind, shows as drift, growth or a leak.
"""

from __future__ import annotations

import time

import psycopg
import pytest

from taxi_pipeline.core.pipeline import ingest_month, transform_month
from tests.conftest import SAMPLE_MONTHS
from tests.support.sample_months import rows_in_sample, state

ROUNDS = 10
# Sizes settle once every month has been replaced once; from then on a round must reuse space.
SETTLED_AFTER_ROUND = len(SAMPLE_MONTHS)


def _sizes(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select n.nspname || '.' || c.relname, pg_total_relation_size(c.oid) "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname in ('raw', 'analytics') and c.relkind in ('r', 'p')"
        ).fetchall()
    return dict(rows)


def _facts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select to_char(source_month, 'YYYY-MM'), count(*) from analytics.fct_trips group by 1"
        ).fetchall()
    return dict(rows)


def _client_sessions_after_settling(conn: psycopg.Connection) -> list[str]:
    """Client sessions still connected to the warehouse once the last dbt process has had a
    moment to go: a leaked connection stays, one closing as its process exits does not.
    Autovacuum workers, which come and go on their own, are not clients."""
    sessions: list[str] = []
    for _ in range(20):
        sessions = [
            row[0]
            for row in conn.execute(
                "select coalesce(application_name, '') || ' ' || state from pg_stat_activity "
                "where datname = current_database() and pid <> pg_backend_pid() "
                "and backend_type = 'client backend'"
            ).fetchall()
        ]
        if not sessions:
            break
        time.sleep(0.5)
    return sessions


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_ten_rounds_of_reprocessing_change_nothing(settings, warehouse_url):
    for month in SAMPLE_MONTHS:
        ingest_month(settings, month, warehouse_url)
    built, _ = transform_month(settings, SAMPLE_MONTHS[0], warehouse_url, echo=lambda line: None)
    assert built.batch == tuple(SAMPLE_MONTHS)
    first_state, first_sizes = state(warehouse_url), _sizes(warehouse_url)
    expected_facts = {str(m): rows_in_sample(m) for m in SAMPLE_MONTHS}

    settled_sizes = {}
    for round_number in range(ROUNDS):
        month = SAMPLE_MONTHS[round_number % len(SAMPLE_MONTHS)]
        ingest_month(settings, month, warehouse_url)
        built, tests = transform_month(settings, month, warehouse_url, echo=lambda line: None)
        # Only the reloaded month was waiting for dbt.
        assert built.batch == (month,) and not tests.failed
        assert state(warehouse_url) == first_state, f"round {round_number}: raw layer drifted"
        assert _facts(warehouse_url) == expected_facts, f"round {round_number}: facts drifted"
        if round_number == SETTLED_AFTER_ROUND:
            settled_sizes = _sizes(warehouse_url)

    sizes = _sizes(warehouse_url)
    raw_now = sum(v for k, v in sizes.items() if k.startswith("raw."))
    raw_first = sum(v for k, v in first_sizes.items() if k.startswith("raw."))
    assert raw_now <= raw_first * 1.05, "raw tables hold more than one copy of the data"
    for table in ("analytics.fct_trips", "analytics.mart_monthly_summary"):
        # Replacing a month in one transaction needs room for its old and new rows at once;
        # after that, vacuum lets each round reuse the space: no growth from round to round.
        assert sizes[table] <= first_sizes[table] * 2.2, f"{table} holds more than two copies"
        assert sizes[table] <= settled_sizes[table] * 1.1, f"{table} keeps growing"

    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        other_sessions = _client_sessions_after_settling(conn)
        leftover_staging = conn.execute(
            "select count(*) from pg_tables where tablename like '%\\_\\_incoming'"
        ).fetchone()[0]
    assert other_sessions == [] and leftover_staging == 0
    # dbt keeps one target dir per schema (its partial parse); downloads are never left behind.
    downloads = settings.work_dir / "downloads"
    assert not downloads.exists() or not any(downloads.iterdir())
