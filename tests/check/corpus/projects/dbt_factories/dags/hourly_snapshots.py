# expect: TP006@18
"""dbt snapshot and run tasks made by a factory of a star-imported project module."""

from datetime import datetime

from airflow import DAG
from dbt_steps import *  # noqa: F403

with DAG(
    "hourly_snapshots",
    start_date=datetime(2024, 5, 1),
    schedule="@hourly",
    catchup=False,
) as dag:
    files = list_files("/opt/airflow/incoming")  # noqa: F405
    # the first dbt task is reported; the test step builds nothing
    checks = dbt_step("test", "snapshots")  # noqa: F405
    snapshot = dbt_step("snapshot", "snapshots")  # noqa: F405
    models = dbt_step("run", "snapshots")  # noqa: F405
    files >> checks >> snapshot >> models
