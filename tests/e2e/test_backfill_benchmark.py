"""The backfill benchmark runs through an Airflow of its own and prints well-formed figures.

The benchmark starts its own stack in a temporary state dir, on ports chosen free at start, so it
runs beside the session's Airflow without touching it. No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MONTHS = 2
TIMEOUT_S = 600


def test_backfill_benchmark_reports_both_modes_for_every_month():
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.backfill", "--json", "--months", str(MONTHS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        out, err = child.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # SIGTERM, unlike the SIGKILL of a plain timeout, lets it stop what it started.
        child.terminate()
        _, err = child.communicate(timeout=120)
        pytest.fail(f"the benchmark did not finish in {TIMEOUT_S}s:\n{err[-3000:]}")
    assert child.returncode == 0, err[-3000:]

    figures = json.loads(out)
    assert figures["months"] == MONTHS
    assert figures["speedup"] > 0
    for mode in ("parallel", "serial"):
        assert f"[{mode}] months: {MONTHS} done" in err, err[-3000:]
        mode_figures = figures[mode]
        assert mode_figures["months_succeeded"] == MONTHS, mode
        assert mode_figures["wall_s"] > 0
        assert mode_figures["airflow_overhead_s"] >= 0
        seconds = mode_figures["task_seconds"]
        assert set(seconds) == {"ingest_load", "ingest_other", "dbt_run", "dbt_test"}
        assert all(value > 0 for value in seconds.values()), seconds
    assert figures["serial"]["max_active_runs"] == 1
    assert figures["parallel"]["max_active_runs"] > 1
    # Both modes loaded the same months.
    assert figures["parallel"]["rows_loaded"] == figures["serial"]["rows_loaded"] > 0
