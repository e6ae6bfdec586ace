"""PostgreSQL killed mid-load, mid-swap and mid-dbt, and its disk filling up, through the real code.

The server is stopped with ``pg_ctl stop -m immediate`` (what a power loss or an OOM kill does:
no checkpoint, recovery from the WAL at the next start) at each point, then started again. After
that every month is wholly its old or wholly its new version (rows and checksum), the load log
agrees with the data, the next load leaves no staging table behind and its result is exact. The
full-disk test puts the tables on a small tmpfs tablespace that the reload fills up.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg import sql

import taxi_pipeline.core.month_stream as month_stream
import taxi_pipeline.core.warehouse as warehouse
from taxi_pipeline.core.errors import WarehouseFull, WarehouseUnavailable
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month, transform_month
from taxi_pipeline.local.postgres import EmbeddedPostgres
from tests.support.databases import scratch_database
from tests.support.filesystems import free_bytes, resize, small_tablespace
from tests.support.sample_months import (
    JAN_FILE,
    january_table,
    month_report,
    parquet_bytes,
    rows_in_sample,
    state,
)
from tests.support.tlc_server import Fault

pytestmark = pytest.mark.slow

JAN, DEC = Month(2024, 1), Month(2023, 12)
SHORTER_JANUARY = 30_000
BATCH_ROWS = 4_000


def quiet(_line: str) -> None:
    pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """This module's own PostgreSQL: killing the session's would disturb every other test."""
    pg = EmbeddedPostgres(tmp_path_factory.mktemp("crash-pg"))
    pg.start()
    yield pg
    pg.destroy()


@pytest.fixture
def url(server):
    with scratch_database(server.connection(), "crash_") as database_url:
        yield database_url


def killed_and_restarted(server: EmbeddedPostgres) -> None:
    server.kill()
    server.start()


def serve_shorter_january(tlc) -> None:
    tlc.script(JAN_FILE, Fault(body=parquet_bytes(january_table().slice(0, SHORTER_JANUARY))))


def january_prefix_checksum(url: str, rows: int) -> str:
    """The checksum a load of January's first ``rows`` rows must have (as partition_checksum)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select md5(string_agg(md5(t::text), '' order by t.source_row)) "
            "from raw.green_trips_2024_01 t where source_row < %s",
            (rows,),
        ).fetchone()[0]


def assert_load_log_agrees(url: str) -> None:
    for month, month_state in state(url).items():
        assert month_state.rows_loaded == month_state.rows_in_file, month


def staging_leftovers(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from pg_tables where tablename like '%\\_\\_incoming'"
        ).fetchone()[0]


def crash_at_statement(monkeypatch, server, name: str) -> threading.Event:
    """Kill the server when the loader is about to run the raw.sql statement ``name``."""
    crashed = threading.Event()
    original = warehouse.statement

    def statement(statement_name, **parts):
        if statement_name == name and not crashed.is_set():
            server.kill()
            crashed.set()
        return original(statement_name, **parts)

    monkeypatch.setattr(warehouse, "statement", statement)
    return crashed


def crash_mid_copy(monkeypatch, server) -> tuple[threading.Event, object]:
    crashed = threading.Event()
    monkeypatch.setattr(month_stream, "_BATCH_ROWS", BATCH_ROWS)

    started = threading.Event()

    def progress(done: int, _total: int) -> None:
        if done >= 3 * BATCH_ROWS and not started.is_set():
            started.set()
            server.kill()
            crashed.set()

    return crashed, progress


@pytest.mark.parametrize("point", ["mid-copy", "swap, old leaves gone", "swap, before commit"])
def test_a_crash_in_a_reload_leaves_the_old_month_and_the_rerun_is_exact(
    point, server, url, settings, tlc, monkeypatch
):
    for month in (DEC, JAN):
        ingest_month(settings, month, url)
    before = state(url)
    expected_checksum = january_prefix_checksum(url, SHORTER_JANUARY)
    progress = None
    if point == "mid-copy":
        crashed, progress = crash_mid_copy(monkeypatch, server)
    else:
        name = "attach_slice" if point == "swap, old leaves gone" else "record_load"
        crashed = crash_at_statement(monkeypatch, server, name)
    serve_shorter_january(tlc)
    with pytest.raises(WarehouseUnavailable):
        ingest_month(settings, JAN, url, progress=progress)
    # The loader may notice the lost server before pg_ctl has seen it stop.
    assert crashed.wait(60)
    monkeypatch.undo()
    server.start()

    assert state(url) == before
    assert_load_log_agrees(url)
    serve_shorter_january(tlc)
    reloaded = ingest_month(settings, JAN, url)
    assert reloaded.rows_loaded == SHORTER_JANUARY
    after = state(url)
    assert after["2024-01"].rows_loaded == SHORTER_JANUARY
    assert after["2024-01"].checksum == expected_checksum
    assert after["2023-12"] == before["2023-12"]
    assert_load_log_agrees(url)
    assert staging_leftovers(url) == 0


def test_a_crash_in_dbts_delete_insert_keeps_the_old_facts_and_the_rerun_is_exact(
    server, url, settings, tlc
):
    for month in (DEC, JAN):
        ingest_month(settings, month, url)
    transform_month(settings, JAN, url, echo=quiet)
    built = month_report(url)
    serve_shorter_january(tlc)
    ingest_month(settings, JAN, url)
    # Holds dbt's insert into fct_trips, after its deletes, until the server is killed.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "create function analytics.hold_insert() returns trigger language plpgsql as "
            "$$ begin perform pg_sleep(120); return null; end $$"
        )
        conn.execute(
            "create trigger hold_insert before insert on analytics.fct_trips "
            "for each statement execute function analytics.hold_insert()"
        )
    failures: list[Exception] = []

    def transform() -> None:
        try:
            transform_month(settings, JAN, url, echo=quiet)
        except Exception as exc:
            failures.append(exc)

    dbt = threading.Thread(target=transform)
    dbt.start()
    try:
        wait_for_held_insert(url)
        killed_and_restarted(server)
    finally:
        dbt.join(timeout=120)
    assert len(failures) == 1 and isinstance(failures[0], WarehouseUnavailable), failures
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop trigger hold_insert on analytics.fct_trips")

    crashed = month_report(url)
    assert crashed["2024-01"]["rows"] == SHORTER_JANUARY
    for month in ("2023-12", "2024-01"):
        assert crashed[month]["fct_trips"] == built[month]["fct_trips"], month
        assert crashed[month]["summary_trips"] == built[month]["summary_trips"], month
    assert_load_log_agrees(url)

    transform_month(settings, JAN, url, echo=quiet)
    rerun = month_report(url)
    for month in ("2023-12", "2024-01"):
        assert rerun[month]["fct_trips"] == rerun[month]["summary_trips"] == rerun[month]["rows"]
    assert facts_match_raw(url)


def wait_for_held_insert(url: str) -> None:
    deadline = time.monotonic() + 120
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            held = conn.execute(
                "select count(*) from pg_stat_activity where application_name like "
                "'taxi_pipeline_dbt%%' and wait_event = 'PgSleep'"
            ).fetchone()[0]
            if held:
                return
            time.sleep(0.1)
    raise AssertionError("dbt never reached its insert into fct_trips")


def facts_match_raw(url: str) -> bool:
    """fct_trips holds exactly one fact per raw row, with the raw row's id."""
    query = "select md5(string_agg(id, ',' order by id)) from ({}) ids"
    raw_ids = (
        "select 'green/' || to_char(source_month, 'YYYY-MM') || '/' || source_row as id "
        "from raw.green_trips"
    )
    fact_ids = "select trip_id as id from analytics.fct_trips"
    with psycopg.connect(url) as conn:
        digests = [
            conn.execute(sql.SQL(query).format(sql.SQL(ids))).fetchone()[0]
            for ids in (raw_ids, fact_ids)
        ]
    return digests[0] == digests[1]


@pytest.fixture
def small_disk(server, url):
    with small_tablespace(server, url) as mount:
        yield mount


def test_a_full_disk_fails_the_reload_clearly_and_gives_the_space_back(
    url, settings, tlc, small_disk
):
    ingest_month(settings, JAN, url)
    before = state(url)
    used = 64 * 1024 * 1024 - free_bytes(small_disk)
    # Room for half another copy of the month: the reload's COPY runs out of space halfway.
    resize(small_disk, used + used // 2)
    free_before = free_bytes(small_disk)
    with pytest.raises(WarehouseFull) as full:
        ingest_month(settings, JAN, url)
    message = str(full.value)
    assert not full.value.retryable
    assert "ran out of disk space" in message and "could not extend file" in message
    assert "Free or add space" in message
    assert state(url) == before
    assert state(url)["2024-01"].rows_loaded == rows_in_sample(JAN)
    # The failed COPY's tables are gone with their space (allowing for a few pages of catalog).
    assert free_bytes(small_disk) >= free_before - 256 * 1024
    assert staging_leftovers(url) == 0
