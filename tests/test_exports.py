"""One month of the monthly summary as CSV (taxi_pipeline.core.exports), what the example consumer
DAG writes: the month's rows only, every column, the same bytes on a repeat, a clear error when
the month is not built."""

from __future__ import annotations

import csv

import psycopg
import pytest

from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.exports import export_monthly_summary
from taxi_pipeline.core.months import Month

JAN = Month(2024, 1)


@pytest.fixture
def summary_url(warehouse_url):
    """A mart_monthly_summary of the shape dbt builds, for two months."""
    with psycopg.connect(warehouse_url) as conn:
        conn.execute(
            "create schema analytics; create table analytics.mart_monthly_summary "
            "(source_month date, pickup_month date, pickup_borough text, trips bigint, "
            "revenue numeric)"
        )
        conn.execute(
            "insert into analytics.mart_monthly_summary values "
            "('2024-02-01', '2024-02-01', 'Queens', 5, 80.25), "
            "('2024-01-01', '2024-01-01', 'Queens', 10, 150.50), "
            "('2024-01-01', '2023-12-01', 'Bronx', 1, 12.00), "
            "('2024-01-01', '2024-01-01', 'Brooklyn', 7, 99.10)"
        )
    return warehouse_url


def test_the_export_holds_that_month_only_in_a_stable_order(summary_url, tmp_path):
    export = export_monthly_summary(summary_url, "analytics", JAN, tmp_path / "exports")
    assert export.path == tmp_path / "exports" / "mart_monthly_summary_2024-01.csv"
    with export.path.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["source_month", "pickup_month", "pickup_borough", "trips", "revenue"],
        ["2024-01-01", "2023-12-01", "Bronx", "1", "12.00"],
        ["2024-01-01", "2024-01-01", "Brooklyn", "7", "99.10"],
        ["2024-01-01", "2024-01-01", "Queens", "10", "150.50"],
    ]
    assert export.rows == 3
    first = export.path.read_bytes()
    again = export_monthly_summary(summary_url, "analytics", JAN, tmp_path / "exports")
    assert again.path.read_bytes() == first
    # Nothing but the month's file: no partial file left beside it.
    assert [p.name for p in (tmp_path / "exports").iterdir()] == [export.path.name]


def test_a_month_not_built_fails_saying_how_to_build_it(summary_url, tmp_path):
    with pytest.raises(InvalidParameter, match=r"no rows for 2023-06: load and build the month"):
        export_monthly_summary(summary_url, "analytics", Month(2023, 6), tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_schema_dbt_never_built_fails_the_same_way(warehouse_url, tmp_path):
    with pytest.raises(InvalidParameter, match=r"no rows for 2024-01 \(the table does not exist"):
        export_monthly_summary(warehouse_url, "analytics", JAN, tmp_path)
