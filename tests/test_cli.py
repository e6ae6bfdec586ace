"""The command line as a user meets it: output, exit codes, and no password anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from taxi_pipeline.core.months import Month
from tests.conftest import REPO
from tests.support.cli import ingest_january_2024_without_dbt
from tests.support.sample_months import parquet_bytes
from tests.support.tlc_server import Fault
from tests.support.yellow_trips import yellow_file_name, yellow_trips


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "taxi_pipeline.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def test_help_documents_every_setting():
    result = cli("--help")
    assert result.returncode == 0
    for setting in ("TAXI_TLC_BASE_URL", "AIRFLOW_CONN_AZURE_PG", "TAXI_STATE_DIR", "exit codes"):
        assert setting in result.stdout
    ingest_help = cli("ingest", "--help")
    assert "--month" in ingest_help.stdout and "spillover" in ingest_help.stdout


@pytest.mark.parametrize("month", ["2024-13", "2024-1", "../../etc", "2024-01'; drop table x;--"])
def test_bad_month_is_a_usage_error(month):
    result = cli("ingest", "--month", month, "--warehouse-url", "postgresql://nobody@127.0.0.1:9/x")
    assert result.returncode == 2
    assert "YYYY-MM" in result.stderr or "between 01 and 12" in result.stderr
    assert "Traceback" not in result.stderr


def test_ingest_then_report(tlc, warehouse_url, tmp_path, embedded_pg):
    common = [
        "--tlc-base-url",
        tlc.base_url,
        "--warehouse-url",
        warehouse_url,
        "--state-dir",
        str(tmp_path / "state"),
    ]
    ingest = cli("ingest", "--month", "2024-01", *common)
    assert ingest.returncode == 0, ingest.stderr
    assert "rows in file 56,551, rows loaded 56,551, spillover rows 2" in ingest.stdout
    assert "pickup 2023-12: 2" in ingest.stdout
    assert "dbt tests" in ingest.stdout and " 0 failed" in ingest.stdout

    yellow = yellow_trips(Month(2024, 1), 2_000)
    tlc.script(yellow_file_name(Month(2024, 1)), Fault(body=parquet_bytes(yellow)))
    yellow_ingest = cli("ingest", "--service", "yellow", "--month", "2024-01", *common)
    assert yellow_ingest.returncode == 0, yellow_ingest.stderr
    assert "yellow 2024-01: rows in file 2,000, rows loaded 2,000" in yellow_ingest.stdout
    assert "yellow 2024-01: dbt tests" in yellow_ingest.stdout
    assert " 0 failed" in yellow_ingest.stdout

    report = cli("report", "--json", *common)
    assert report.returncode == 0, report.stderr
    months = json.loads(report.stdout)["months"]
    assert months[0] == {
        "service": "green",
        "source_month": "2024-01",
        "rows_in_file": 56551,
        "rows_loaded": 56551,
        "checksum": months[0]["checksum"],
        "pickup_months": {"2023-12": 2, "2024-01": 56549},
    }
    assert len(months[0]["checksum"]) == 32
    assert [(m["service"], m["source_month"], m["rows_loaded"]) for m in months[1:]] == [
        ("yellow", "2024-01", 2_000)
    ]

    tlc.script("green_tripdata_2023-12.parquet", Fault(status=403))
    missing = cli("ingest", "--month", "2023-12", "--skip-dbt", *common)
    assert missing.returncode == 1
    assert "not available (HTTP 403)" in missing.stderr and "not retryable" in missing.stderr
    assert "Traceback" not in missing.stderr
    for output in (ingest.stdout, yellow_ingest.stdout, report.stdout, missing.stderr):
        assert embedded_pg.password not in output


def test_wrong_password_is_named_without_the_password(tlc, warehouse_url, tmp_path):
    wrong = warehouse_url.replace("://taxi:", "://taxi:not-the-password-", 1)
    result = cli(*ingest_january_2024_without_dbt(tlc.base_url, wrong, tmp_path))
    assert result.returncode == 1
    assert "authentication failed" in result.stderr
    assert "not-the-password" not in result.stderr


def test_unreachable_warehouse_is_retryable(tlc, tmp_path):
    unreachable = "postgresql://taxi:secret-pw@127.0.0.1:9/taxi"
    result = cli(*ingest_january_2024_without_dbt(tlc.base_url, unreachable, tmp_path))
    assert result.returncode == 1
    assert "WarehouseUnavailable (retryable)" in result.stderr and "127.0.0.1:9" in result.stderr
    assert "secret-pw" not in result.stderr


def test_backfill_without_a_running_scheduler_says_so(tmp_path):
    result = cli("backfill", "--from", "2024-01", "--to", "2024-01", "--state-dir", str(tmp_path))
    assert result.returncode == 1
    assert "no scheduler is running" in result.stderr and "taxi-pipeline up" in result.stderr


@pytest.mark.parametrize("streams", ["0", "17"])
def test_copy_streams_out_of_range_is_a_usage_error(streams):
    result = cli(
        "ingest",
        "--month",
        "2024-01",
        "--copy-streams",
        streams,
        "--warehouse-url",
        "postgresql://nobody@127.0.0.1:9/x",
    )
    assert result.returncode == 2
    assert f"must be a whole number from 1 to 16, got '{streams}'" in result.stderr
    assert "Traceback" not in result.stderr


def test_docs_help_says_what_it_builds_where_and_how_to_stop_it():
    result = cli("docs", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for phrase in ("dbt docs generate", "catalog", "127.0.0.1", "--port", "8580", "Ctrl-C"):
        assert phrase in text, phrase
    assert "lineage graph" in text


def test_docs_on_a_taken_port_fails_at_once_naming_the_port(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli(
            "docs",
            "--port",
            str(port),
            "--warehouse-url",
            "postgresql://nobody@127.0.0.1:9/x",
            "--state-dir",
            str(tmp_path),
        )
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is taken: choose another with --port" in result.stderr
    assert "generating" not in result.stdout
