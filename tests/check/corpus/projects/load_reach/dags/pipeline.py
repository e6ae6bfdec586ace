# expect: none
"""The python callable of the readings DAG: it hands the rows to a loader in src/."""

import sys

sys.path.append("/opt/airflow/src")

from readings_store import insert_readings  # noqa: E402


def run_pipeline() -> None:
    insert_readings([{"station": "north", "value": 3.5}])
