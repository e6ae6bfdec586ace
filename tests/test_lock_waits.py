"""An idle session holding a lock never stalls the pipeline, or its readers, beyond the bound.

Each test leaves a transaction open after a read, as an analyst's session or a BI tool does, then
reloads or rebuilds months while other sessions keep reading other months and the marts. Every
reader's wait is measured: none may exceed the lock timeout plus a second, and a reader of the
month being replaced sees its old rows or its new ones, never a mix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from taxi_pipeline.core.errors import WarehouseBusy
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month, transform_month
from taxi_pipeline.core.settings import LockWait
from tests.support.sample_months import (
    JAN_FILE,
    january_table,
    month_report,
    parquet_bytes,
    rows_in_sample,
    state,
)
from tests.support.tlc_server import Fault

JAN, DEC, JAN_2023 = Month(2024, 1), Month(2023, 12), Month(2023, 1)
BOUND = LockWait(timeout_s=1.0, retry_s=3.0)
# A reader waiting longer than this has queued behind the pipeline for more than the bound.
LONGEST_READ_S = BOUND.timeout_s + 1.0
SHORTER_JANUARY = 30_000


def quiet(_line: str) -> None:
    pass


class Readers:
    """Sessions reading in a loop, each query in its own transaction; the longest each took."""

    def __init__(self, url: str, queries: dict[str, str]):
        self.url = url
        self.queries = queries
        self.longest = dict.fromkeys(queries, 0.0)
        self.counts: dict[str, set[int]] = {name: set() for name in queries}
        self.reads = dict.fromkeys(queries, 0)
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, args=(name,), daemon=True) for name in queries
        ]

    def _read(self, name: str) -> None:
        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                # A reader stuck in a queue must not hang the test: it fails it.
                conn.execute("set statement_timeout = '20s'")
                while not self._stop.is_set():
                    started = time.monotonic()
                    count = conn.execute(self.queries[name]).fetchone()[0]
                    self.longest[name] = max(self.longest[name], time.monotonic() - started)
                    self.counts[name].add(count)
                    self.reads[name] += 1
                    time.sleep(0.05)
        except psycopg.Error as exc:
            self.errors.append(f"{name}: {exc}")

    def __enter__(self) -> Readers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def assert_never_held_beyond_the_bound(self) -> None:
        assert not self.errors, self.errors
        assert all(self.reads.values()), f"a reader never got to read: {self.reads}"
        waited = {name: round(s, 2) for name, s in self.longest.items()}
        assert max(waited.values()) <= LONGEST_READ_S, f"readers waited {waited}"


@contextlib.contextmanager
def idle_in_transaction(url: str, query: str) -> Iterator[int]:
    """A session that ran ``query`` and left its transaction open; yields its pid."""
    with psycopg.connect(url, application_name="analyst_notebook") as conn:
        conn.execute(query)
        yield conn.info.backend_pid
        conn.rollback()


def raw_count(month: Month) -> str:
    return f"select count(*) from raw.green_trips where source_month = '{month.first_day}'"


def reload_shorter_january(settings, url, tlc):
    tlc.script(JAN_FILE, Fault(body=parquet_bytes(january_table().slice(0, SHORTER_JANUARY))))
    return ingest_month(settings, JAN, url)


@pytest.fixture
def bounded(settings):
    return dataclasses.replace(settings, lock_wait=BOUND)


def test_a_reader_of_the_raw_table_bounds_the_reload_and_nobody_queues(bounded, warehouse_url, tlc):
    for month in (DEC, JAN):
        ingest_month(bounded, month, warehouse_url)
    before = state(warehouse_url)
    full_january = rows_in_sample(JAN)
    readers = {
        "other month": raw_count(DEC),
        "same month": raw_count(JAN),
        "whole table": "select count(*) from raw.green_trips",
    }
    with (
        idle_in_transaction(warehouse_url, "select count(*) from raw.green_trips") as pid,
        Readers(warehouse_url, readers) as reading,
    ):
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as busy:
            reload_shorter_january(bounded, warehouse_url, tlc)
        gave_up_after = time.monotonic() - started
        time.sleep(0.3)
    reading.assert_never_held_beyond_the_bound()
    message = str(busy.value)
    assert busy.value.retryable
    assert f"pid {pid} (application_name 'analyst_notebook'" in message
    assert "idle in transaction since" in message and "raw.green_trips" in message
    assert "pg_terminate_backend" in message and "keeps its previous rows" in message
    assert gave_up_after < BOUND.retry_s + BOUND.timeout_s + 10
    # Old, whole: what the readers saw and what the warehouse holds.
    assert reading.counts["same month"] == {full_january}
    assert state(warehouse_url) == before

    # With the session gone the same reload goes through while the readers read on.
    with Readers(warehouse_url, readers) as reading:
        reload_shorter_january(bounded, warehouse_url, tlc)
        time.sleep(0.3)
    reading.assert_never_held_beyond_the_bound()
    assert reading.counts["same month"] <= {full_january, SHORTER_JANUARY}
    after = state(warehouse_url)
    assert after["2024-01"].rows_loaded == after["2024-01"].rows_in_file == SHORTER_JANUARY
    assert after["2023-12"] == before["2023-12"]


def test_a_reader_of_a_staging_view_stalls_neither_dbt_nor_readers_of_other_months(
    bounded, warehouse_url, tlc
):
    for month in (DEC, JAN):
        ingest_month(bounded, month, warehouse_url)
    transform_month(bounded, JAN, warehouse_url, echo=quiet)
    before = state(warehouse_url)
    readers = {
        "raw, other month": raw_count(DEC),
        "stg_green_trips, other month": (
            f"select count(*) from analytics.stg_green_trips where source_month = '{DEC.first_day}'"
        ),
        "fct_trips": "select count(*) from analytics.fct_trips",
        "summary": "select count(*) from analytics.mart_monthly_summary",
    }
    with (
        idle_in_transaction(warehouse_url, "select count(*) from analytics.stg_green_trips") as pid,
        Readers(warehouse_url, readers) as reading,
    ):
        # A new month is attached beside the locked ones, and dbt builds it without renaming
        # the views the idle session has read.
        ingest_month(bounded, JAN_2023, warehouse_url)
        transform_month(bounded, JAN_2023, warehouse_url, echo=quiet)
        # The reload of a month that session read gives up within the bound.
        with pytest.raises(WarehouseBusy) as busy:
            reload_shorter_january(bounded, warehouse_url, tlc)
        time.sleep(0.3)
    reading.assert_never_held_beyond_the_bound()
    assert f"pid {pid} (application_name 'analyst_notebook'" in str(busy.value)
    report = month_report(warehouse_url)
    assert report["2023-01"]["fct_trips"] == report["2023-01"]["rows"] == rows_in_sample(JAN_2023)
    assert {m: s for m, s in state(warehouse_url).items() if m != "2023-01"} == before


def test_dbt_giving_up_on_a_lock_is_warehouse_busy_naming_the_session(bounded, warehouse_url, tlc):
    ingest_month(bounded, JAN, warehouse_url)
    transform_month(bounded, JAN, warehouse_url, echo=quiet)
    reload_shorter_january(bounded, warehouse_url, tlc)
    marts_before = month_report(warehouse_url)["2024-01"]["fct_trips"]
    # A session that locked the facts against writes (a long report, a manual fix) and left.
    with (
        idle_in_transaction(warehouse_url, "lock table analytics.fct_trips in share mode") as pid,
        Readers(
            warehouse_url, {"summary": "select count(*) from analytics.mart_monthly_summary"}
        ) as reading,
        pytest.raises(WarehouseBusy) as busy,
    ):
        transform_month(bounded, JAN, warehouse_url, echo=quiet)
    reading.assert_never_held_beyond_the_bound()
    message = str(busy.value)
    assert busy.value.retryable
    assert "dbt build of 2024-01" in message
    assert f"pid {pid} (application_name 'analyst_notebook'" in message
    assert "ShareLock on analytics.fct_trips" in message
    assert month_report(warehouse_url)["2024-01"]["fct_trips"] == marts_before
    # The retry, once the session is gone, builds the new load.
    transform_month(bounded, JAN, warehouse_url, echo=quiet)
    assert month_report(warehouse_url)["2024-01"]["fct_trips"] == SHORTER_JANUARY
