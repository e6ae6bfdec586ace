# expect: TP006@14
"""dbt through a custom operator of the project, four runs at a time."""

import pendulum
from airflow.sdk import DAG
from operators.dbt_run import DbtRunOperator

with DAG(
    "custom_dbt",
    start_date=pendulum.datetime(2024, 1, 1),
    schedule="@daily",
    max_active_runs=4,
):
    DbtRunOperator(task_id="dbt_run_users", model="agg_users")
