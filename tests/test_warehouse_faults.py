"""The warehouse misbehaving mid-load: the try fails as retryable, nothing partial is visible."""

from __future__ import annotations

import threading

import psycopg
import pytest

from taxi_pipeline.core.errors import WarehouseUnavailable
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month
from taxi_pipeline.local.postgres import EmbeddedPostgres
from tests.support.sample_months import JAN_FILE, january_table, parquet_bytes, state
from tests.support.tlc_server import Fault

JAN = Month(2024, 1)


@pytest.fixture
def own_server(tmp_path):
    """A PostgreSQL of this test's own: restarting the shared one would disturb Airflow's."""
    server = EmbeddedPostgres(tmp_path / "pg")
    server.start()
    yield server
    server.destroy()


def test_a_server_restart_mid_copy_fails_the_try_and_the_retry_is_exact(
    settings, tlc, own_server, monkeypatch
):
    pg_server = own_server
    warehouse_url = own_server.connection().url()
    ingest_month(settings, JAN, warehouse_url)
    before = state(warehouse_url)
    import taxi_pipeline.core.month_stream as month_stream

    monkeypatch.setattr(month_stream, "_BATCH_ROWS", 4_000)
    restarted = threading.Event()

    def restart_once(done: int, _total: int) -> None:
        if done >= 12_000 and not restarted.is_set():
            restarted.set()
            pg_server.restart()

    tlc.script(JAN_FILE, Fault(body=parquet_bytes(january_table().slice(0, 30_000))))
    with pytest.raises(WarehouseUnavailable) as info:
        ingest_month(settings, JAN, warehouse_url, progress=restart_once)
    assert restarted.is_set() and info.value.retryable
    assert "a retry may succeed" in str(info.value)
    assert state(warehouse_url) == before

    retried = ingest_month(settings, JAN, warehouse_url)
    assert retried.rows_loaded == 56_551
    assert state(warehouse_url)["2024-01"].checksum == before["2024-01"].checksum
    with psycopg.connect(warehouse_url) as conn:
        leftovers = conn.execute(
            "select count(*) from pg_tables where tablename like '%\\_\\_incoming'"
        ).fetchone()[0]
    assert leftovers == 0
