"""Green and yellow side by side: one raw table each, one set of marts with a service column, and
runs of one service that never touch the other's rows, even for the same calendar month."""

from __future__ import annotations

import dataclasses

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from taxi_pipeline.core.errors import SchemaMismatch
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import dbt_target, ingest_month
from taxi_pipeline.core.schema import service_schema
from taxi_pipeline.core.transforms import build_month, month_tests
from taxi_pipeline.core.warehouse import Warehouse
from tests.support.sample_months import parquet_bytes, rows_in_sample
from tests.support.tlc_server import Fault
from tests.support.yellow_trips import yellow_file_name, yellow_trips

JAN = Month(2024, 1)
YELLOW_ROWS = 3_000


def quiet(line: str) -> None:
    pass


def yellow_month(month: Month, **options) -> pa.Table:
    return yellow_trips(month, YELLOW_ROWS, **options)


def ingest(settings, service: str, month: Month, url: str, tlc, *, yellow: bytes | None = None):
    """Load ``month`` of ``service`` (a yellow file is served from ``yellow``)."""
    if service == "yellow":
        tlc.script(yellow_file_name(month), Fault(body=yellow))
    return ingest_month(dataclasses.replace(settings, service=service), month, url)


def ingest_and_build(settings, service: str, month: Month, url: str, tlc, **options) -> None:
    ingest(settings, service, month, url, tlc, **options)
    target = dbt_target(dataclasses.replace(settings, service=service), url)
    build_month(target, month, quiet)
    tests = month_tests(target, month, quiet)
    assert not tests.failed and tests.statuses["pass"] > 10, tests.statuses


def raw_state(url: str, service: str) -> dict:
    states = Warehouse(url, service_schema(service)).month_states()
    return {s.source_month: (s.rows_loaded, s.checksum, s.pickup_months) for s in states}


def marts_state(url: str, service: str) -> dict:
    """Per mart, the service's rows: count, a digest of their content, and a digest of the row
    versions (xmin, ctid): a row deleted and inserted again, even unchanged, gets a new one."""
    states = {}
    with psycopg.connect(url) as conn:
        for mart in ("fct_trips", "mart_monthly_summary"):
            states[mart] = conn.execute(
                f"select count(*), md5(string_agg(m::text, '|' order by m::text)), "
                f"md5(string_agg(m.xmin::text || m.ctid::text, '|' order by m::text)) "
                f"from analytics.{mart} m where service = %s",
                (service,),
            ).fetchone()
    return states


def view_columns(url: str, view: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'analytics' and table_name = %s order by ordinal_position",
            (view,),
        ).fetchall()


def content(marts: dict) -> dict:
    return {mart: (count, digest) for mart, (count, digest, _versions) in marts.items()}


def test_a_yellow_and_a_green_month_are_exact_and_independent_in_any_order(
    settings, warehouse_url, tlc
):
    url, yellow = warehouse_url, parquet_bytes(yellow_month(JAN))
    green_rows = rows_in_sample(JAN)
    ingest_and_build(settings, "yellow", JAN, url, tlc, yellow=yellow)
    ingest_and_build(settings, "green", JAN, url, tlc)
    raw = {service: raw_state(url, service) for service in ("green", "yellow")}
    marts = {service: marts_state(url, service) for service in ("green", "yellow")}

    # Exact: every row of each file, once, in raw and in both marts.
    rows = {"green": green_rows, "yellow": YELLOW_ROWS}
    assert {s: r["2024-01"][0] for s, r in raw.items()} == rows
    assert {s: m["fct_trips"][0] for s, m in marts.items()} == rows
    with psycopg.connect(url) as conn:
        summary = dict(
            conn.execute(
                "select service, sum(trips)::int from analytics.mart_monthly_summary "
                "where source_month = '2024-01-01' group by service"
            ).fetchall()
        )
        revenue = conn.execute(
            "select (select sum(revenue) from analytics.mart_monthly_summary "
            "        where service = 'yellow'), "
            "       (select round(sum(total_amount::numeric), 2) from raw.yellow_trips)"
        ).fetchone()
    assert summary == rows
    assert revenue[0] == revenue[1]
    # fct_trips stacks the staging models with UNION ALL, by position.
    green_shape, yellow_shape = (view_columns(url, f"stg_{s}_trips") for s in ("green", "yellow"))
    assert green_shape == yellow_shape and len(green_shape) > 20

    # Reloading green, then yellow: the reloaded service comes out identical, and the other one's
    # rows are not even rewritten.
    for reloaded, other in (("green", "yellow"), ("yellow", "green")):
        ingest_and_build(settings, reloaded, JAN, url, tlc, yellow=yellow)
        assert raw_state(url, reloaded) == raw[reloaded]
        assert raw_state(url, other) == raw[other]
        after = marts_state(url, reloaded)
        assert content(after) == content(marts[reloaded])
        assert after["fct_trips"][2] != marts[reloaded]["fct_trips"][2], "not rebuilt"
        assert marts_state(url, other) == marts[other], f"{reloaded} touched {other}'s rows"
        marts[reloaded] = after


def test_a_yellow_file_with_a_lossy_type_change_fails_naming_the_column(
    settings, warehouse_url, tlc
):
    ingest(settings, "yellow", JAN, warehouse_url, tlc, yellow=parquet_bytes(yellow_month(JAN)))
    ingest(settings, "green", JAN, warehouse_url, tlc)
    before = {service: raw_state(warehouse_url, service) for service in ("green", "yellow")}

    # TLC's double passenger counts are accepted while whole; one fractional value is not.
    drifted = yellow_month(JAN, drift=True)
    index = drifted.schema.get_field_index("passenger_count")
    counts = drifted.column(index).to_pylist()
    counts[1234] = 2.5
    lossy = drifted.set_column(index, "passenger_count", pa.array(counts, pa.float64()))
    with pytest.raises(SchemaMismatch) as info:
        ingest(settings, "yellow", JAN, warehouse_url, tlc, yellow=parquet_bytes(lossy))
    assert "yellow 2024-01: column 'passenger_count' has type double" in str(info.value)
    assert {s: raw_state(warehouse_url, s) for s in ("green", "yellow")} == before
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("select count(*) from raw.load_log").fetchone()[0] == 2


@pytest.mark.parametrize(
    "month, drift",
    [(Month(2023, 1), True), (Month(2025, 1), False)],
    ids=["codes as doubles, airport_fee, ns timestamps", "cbd_congestion_fee"],
)
def test_yellow_layouts_tlc_has_published_load_every_value(
    month, drift, settings, warehouse_url, tlc
):
    table = yellow_month(month, drift=drift)
    load = ingest(settings, "yellow", month, warehouse_url, tlc, yellow=parquet_bytes(table))
    assert load.rows_loaded == YELLOW_ROWS
    airport = "airport_fee" if drift else "Airport_fee"
    expected = (
        pc.sum(table.column(airport)).as_py(),
        table.column("passenger_count").null_count,
        pc.sum(table.column("cbd_congestion_fee")).as_py() if month.year >= 2025 else None,
    )
    with psycopg.connect(warehouse_url) as conn:
        loaded = conn.execute(
            "select sum(airport_fee), count(*) - count(passenger_count), sum(cbd_congestion_fee) "
            "from raw.yellow_trips where source_month = %s",
            (month.first_day,),
        ).fetchone()
    assert loaded == pytest.approx(expected)
