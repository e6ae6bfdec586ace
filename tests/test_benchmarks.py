"""The benchmarks run from a checkout and print well-formed figures (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _run(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", *args, "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_load_benchmark_emits_ratios_for_both_sizes():
    figures = _run("benchmarks.load", "--large-rows", "20000")
    assert set(figures) == {"small", "large"}
    for size in figures.values():
        assert size["rows"] > 0
        for key in ("project_rows_per_s", "limit_rows_per_s", "ratio_to_limit", "peak_rss_mb"):
            assert isinstance(size[key], int | float) and size[key] > 0
    assert figures["large"]["rows"] == 20_000
    small = figures["small"]
    assert small["reference_rows_per_s"] > 0
    expected = small["project_rows_per_s"] / small["reference_rows_per_s"]
    assert small["ratio_to_reference"] == pytest.approx(expected, rel=0.05)


def test_dbt_benchmark_compares_incremental_with_full_rebuild():
    figures = _run("benchmarks.dbt_incremental", "--history", "1")
    (run,) = figures["runs"]
    assert run["history_months"] == 1
    for key in ("incremental_model_s", "full_rebuild_model_s", "incremental_wall_s"):
        assert run[key] > 0


def test_bench_script_names_the_benchmarks_when_given_an_unknown_one():
    result = subprocess.run(
        ["bash", "scripts/bench", "fastest"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 2
    assert "no benchmark 'fastest' (load, dbt_incremental, backfill, check_speed)" in result.stderr
