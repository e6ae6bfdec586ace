"""The stack commands of the CLI against the session's real Airflow: status, run, verify."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest

from taxi_pipeline.core.names import DBT_POOL, DBT_POOL_DESCRIPTION
from tests.conftest import REPO
from tests.support.tlc_server import Fault

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def cli(airflow, e2e_warehouse, tlc_mirror):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "taxi_pipeline.cli.main",
                *args,
                "--state-dir",
                str(airflow.state_dir),
                "--warehouse-url",
                e2e_warehouse.url,
                "--tlc-base-url",
                tlc_mirror.base_url,
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=os.environ.copy(),
            timeout=900,
        )

    return run


def test_status_shows_every_component_healthy(cli):
    result = cli("status")
    assert result.returncode == 0, result.stdout + result.stderr
    for component in ("postgresql", "api-server", "scheduler", "dag-processor", "triggerer"):
        assert component in result.stdout
    assert "NOT HEALTHY" not in result.stdout


def test_verify_proves_a_rerun_changes_nothing_and_catches_a_corrupted_row(
    cli, airflow, e2e_warehouse
):
    if not any(r["state"] == "success" for r in airflow.dag_runs()):
        assert cli("run", "--month", "2024-01").returncode == 0
    first = cli("verify", "--month", "2024-01")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "identical: re-running 2024-01 changed nothing" in first.stdout
    assert "pickup 2023-12" in first.stdout and "checksum" in first.stdout

    with psycopg.connect(e2e_warehouse.url) as conn:
        conn.execute(
            "update raw.green_trips set fare_amount = fare_amount + 1 "
            "where source_month = '2024-01-01' and source_row = 5"
        )
    second = cli("verify", "--month", "2024-01")
    assert second.returncode == 1
    assert "<- differs" in _checksum_line(second)
    assert "1 difference(s): the re-run changed 2024-01" in second.stdout
    # The re-run replaced the corrupted month from its file: its checksum is the file's again.
    assert _checksum_line(second).split()[2] == _checksum_line(first).split()[2]


def test_status_puts_dag_import_errors_first(cli, dags_folder):
    broken = dags_folder / "broken_for_status.py"
    broken.write_text("from airflow.sdk import dag\n\nraise ValueError('broken on purpose')\n")
    try:
        deadline = time.monotonic() + 240
        while True:
            result = cli("status")
            if "DAG import errors" in result.stdout or time.monotonic() > deadline:
                break
            time.sleep(5)
        assert result.returncode == 1
        assert result.stdout.lstrip("!\n").startswith("DAG import errors")
        assert "broken_for_status.py" in result.stdout and "broken on purpose" in result.stdout
    finally:
        broken.unlink()
    deadline = time.monotonic() + 240
    while "DAG import errors" in cli("status").stdout:
        assert time.monotonic() < deadline, "the import error never cleared"
        time.sleep(5)


def test_a_missing_dbt_pool_is_named_instead_of_waited_on_forever(cli, airflow):
    airflow.airflow_cli("pools", "delete", DBT_POOL)
    try:
        result = cli("run", "--month", "2023-12")
        output = result.stdout + result.stderr
        assert result.returncode == 1, output
        assert f"wait for pool '{DBT_POOL}', which does not exist" in output
        assert f"airflow pools set {DBT_POOL} 1" in output
        assert "The runs are kept" in output
        status = cli("status")
        assert status.returncode == 1
        assert f"1 task(s) wait for pool '{DBT_POOL}', which does not exist" in status.stdout
    finally:
        airflow.airflow_cli("pools", "set", DBT_POOL, "1", DBT_POOL_DESCRIPTION)
    # Once the pool exists the kept run goes on by itself.
    run_id = result.stdout.split("triggered ", 1)[1].split()[0]
    deadline = time.monotonic() + 300
    while (state := _run_state(airflow, run_id)) not in ("success", "failed"):
        assert time.monotonic() < deadline, f"{run_id} still {state} after the pool came back"
        time.sleep(3)
    assert state == "success"
    assert cli("status").returncode == 0


def _run_state(airflow, run_id: str) -> str | None:
    return next((r["state"] for r in airflow.dag_runs() if r["run_id"] == run_id), None)


def test_a_failed_month_shows_the_task_and_the_error_where_the_user_looks(cli, tlc_mirror):
    # 2023-01 arrives truncated; 2023-02 .. 2023-06 are not on the mirror, and their deadlines
    # passed long ago. One backfill fails them all at once.
    damaged = (REPO / "data" / "tlc" / "green_tripdata_2023-01.parquet").read_bytes()[:200_000]
    tlc_mirror.script("green_tripdata_2023-01.parquet", Fault(body=damaged))
    backfill = cli("backfill", "--from", "2023-01", "--to", "2023-06", "--reprocess", "failed")
    assert backfill.returncode == 1, backfill.stdout + backfill.stderr
    assert "6 month(s) failed" in backfill.stderr
    # The backfill's own table says why, as the task log does.
    assert "ingest_taxi_month: CorruptFile" in _failure_line(backfill.stderr, "2023-01")

    status = cli("status").stdout
    never_published = _failure_line(status, "2023-06")
    assert "ingest_taxi_month: MonthNotAvailable (not retryable)" in never_published
    assert "green 2023-06 was not published by 2023-09-14" in never_published
    truncated = _failure_line(status, "2023-01")
    assert "ingest_taxi_month: CorruptFile (not retryable)" in truncated
    assert "returned a truncated parquet file of" in truncated


def _checksum_line(result: subprocess.CompletedProcess) -> str:
    return next(line for line in result.stdout.splitlines() if line.startswith("checksum"))


def _failure_line(output: str, month: str) -> str:
    failures = output.split("month(s) failed; dags/RUNBOOK.md says what to do:", 1)
    assert len(failures) == 2, output
    return next(line for line in failures[1].splitlines() if f"green {month}" in line)
