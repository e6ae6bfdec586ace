# expect: none
"""Paths from configuration, the DAG's own folder, or a managed temporary directory."""

import os
import tempfile
from pathlib import Path

import pendulum
from airflow.sdk import dag, task

DAG_DIR = Path(__file__).parent
SQL_DIR = DAG_DIR / "sql"
DATA_DIR = Path(os.environ.get("TAXI_DATA_DIR", "/opt/airflow/data"))


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1))
def tp008_clean_configured_paths():
    @task
    def stage() -> str:
        with tempfile.TemporaryDirectory() as scratch:
            target = Path(scratch) / "trips.parquet"
            target.write_bytes(b"")
        return str(DATA_DIR / "trips.parquet")

    stage()


tp008_clean_configured_paths()
