"""Arguments of the taxi-pipeline command line that several tests run with."""

from __future__ import annotations

from pathlib import Path


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
