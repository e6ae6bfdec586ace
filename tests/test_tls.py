"""TLS to the warehouse: verified for the loader and dbt alike, refused by both on a wrong CA."""

from __future__ import annotations

import time
from urllib.parse import quote

import psycopg
import pytest

from taxi_pipeline.core.dbt_failures import run_dbt_checked
from taxi_pipeline.core.errors import WarehouseTlsFailed
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month
from taxi_pipeline.local.postgres import EmbeddedPostgres
from tests.support.sample_months import rows_in_sample
from tests.support.tls import enable_tls, make_authority

JAN = Month(2024, 1)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    pg = EmbeddedPostgres(folder / "state")
    info = pg.start()
    right, wrong = make_authority(folder, "right-ca"), make_authority(folder, "wrong-ca")
    enable_tls(pg, info, right)
    deadline = time.monotonic() + 30
    while psycopg.connect(info.url()).execute("show ssl").fetchone()[0] != "on":
        assert time.monotonic() < deadline, "the server did not switch TLS on"
        time.sleep(0.2)
    yield info, right.pem, wrong.pem
    pg.destroy()


def verified(info, ca) -> str:
    return f"{info.url()}?sslmode=verify-full&sslrootcert={quote(str(ca), safe='')}"


def fact_rows(url: str, month: Month) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from analytics.fct_trips where source_month = %s", (month.first_day,)
        ).fetchone()[0]


def test_a_verified_connection_loads_a_month_and_dbt_builds_it(tls_server, settings):
    info, right_ca, _ = tls_server
    url = verified(info, right_ca)
    loaded = ingest_month(settings, JAN, url)
    assert loaded.rows_loaded == rows_in_sample(JAN)
    with psycopg.connect(url) as conn:
        assert conn.execute("select ssl from pg_stat_ssl where pid = pg_backend_pid()").fetchone()
    built = run_dbt_checked(
        "build", url, settings.work_dir, target_schema="analytics", months=[JAN]
    )
    assert built.test_statuses["fail"] == built.test_statuses["error"] == 0
    assert fact_rows(url, JAN) == rows_in_sample(JAN)


def test_a_wrong_ca_is_refused_by_the_loader_and_by_dbt(tls_server, settings):
    info, right_ca, wrong_ca = tls_server
    good, bad = verified(info, right_ca), verified(info, wrong_ca)
    ingest_month(settings, JAN, good)
    run_dbt_checked("build", good, settings.work_dir, target_schema="analytics", months=[JAN])

    with pytest.raises(WarehouseTlsFailed) as loader:
        ingest_month(settings, JAN, bad)
    # Until the connection said which CA to trust, dbt accepted any certificate.
    with pytest.raises(WarehouseTlsFailed) as dbt:
        run_dbt_checked("build", bad, settings.work_dir, target_schema="analytics", months=[JAN])
    for refused in (loader.value, dbt.value):
        message = str(refused)
        assert "certificate verify failed" in message, message
        assert f"sslrootcert={wrong_ca}" in message and "sslmode=verify-full" in message
        assert info.password not in message and quote(info.password, safe="") not in message
        assert not refused.retryable
    # What was loaded and built before stays as it was.
    assert fact_rows(good, JAN) == rows_in_sample(JAN)
