# expect: none
"""The same factories, clean: tests only, one run at a time, or a one-slot pool."""

from datetime import datetime

from airflow import DAG
from dbt_steps import *  # noqa: F403

with DAG("hourly_checks", start_date=datetime(2024, 5, 1), schedule="@hourly", catchup=False):
    dbt_step("test", "snapshots")  # noqa: F405

with DAG(
    "hourly_models_one_run",
    start_date=datetime(2024, 5, 1),
    schedule="@hourly",
    catchup=False,
    max_active_runs=1,
):
    dbt_step("run", "snapshots")  # noqa: F405

with DAG("hourly_models_pooled", start_date=datetime(2024, 5, 1), schedule="@hourly", catchup=False):
    dbt_step_in_pool("run", "snapshots")  # noqa: F405
