"""The taxi-pipeline command line as the tests run it, and arguments several of them use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout_s: float = 600) -> subprocess.CompletedProcess:
    """``taxi-pipeline ARGS`` in a process of its own, as a user runs it, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "taxi_pipeline.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=os.environ.copy(),
        timeout=timeout_s,
    )


def ingest_january_2024_without_dbt(
    tlc_base_url: str, warehouse_url: str, state_dir: Path
) -> list[str]:
    """``ingest`` of 2024-01 that stops before dbt: for failures the load itself runs into."""
    return [
        "ingest",
        "--month",
        "2024-01",
        "--skip-dbt",
        "--tlc-base-url",
        tlc_base_url,
        "--warehouse-url",
        warehouse_url,
        "--state-dir",
        str(state_dir),
    ]
