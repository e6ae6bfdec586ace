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

# The figures' shape is the point here, not their size: one month per arm keeps it short.
MONTHS = 1
# Setup, a month through three backfills, and one month alone through each DAG.
TIMEOUT_S = 1200
BACKFILL_ARMS = ("classic", "parallel", "serial")
TASK_BUCKETS = {"ingest_load", "ingest_other", "dbt_run", "dbt_test"}


def test_backfill_benchmark_reports_every_arm_for_every_month():
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
    assert figures["last_month"] == "2026-06"
    for arm in BACKFILL_ARMS:
        assert f"[{arm}] months: {MONTHS} done" in err, err[-3000:]
        arm_figures = figures[arm]
        assert arm_figures["months_succeeded"] == MONTHS, arm
        assert arm_figures["wall_s"] > 0
        assert arm_figures["seconds_per_month"] > 0
        assert arm_figures["airflow_overhead_s"] >= 0
        seconds = arm_figures["task_seconds"]
        assert set(seconds) == TASK_BUCKETS
        assert all(value > 0 for value in seconds.values()), (arm, seconds)
    assert figures["classic"]["max_active_runs"] == figures["serial"]["max_active_runs"] == 1
    assert figures["parallel"]["max_active_runs"] > 1
    # Every arm loaded the same months.
    rows = {arm: figures[arm]["rows_loaded"] for arm in BACKFILL_ARMS}
    assert len(set(rows.values())) == 1 and rows["classic"] > 0, rows
    # The classic's dbt CLI calls cannot be seen into.
    assert figures["classic"]["dbt_startup_parse_s"] is None

    single = figures["single_month"]
    assert single["month"] == "2026-06"
    assert single["classic_state"] == single["project_state"] == "success"
    assert single["classic_s"] > 0 and single["project_s"] > 0
    for ratio in ("speedup", "classic_to_parallel", "classic_to_serial"):
        assert figures[ratio] > 0, ratio
    assert figures["single_month_classic_to_project"] > 0
    # Unknown (null) while the project's dbt tasks do not report their start-up, else a share.
    share = figures["dbt_startup_share"]
    assert share is None or 0 <= share <= 1
