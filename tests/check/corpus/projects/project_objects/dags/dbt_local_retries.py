# expect: none
"""The same commands, the test task with no retries of its own overriding the shared ones."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from dbt_settings import DBT_COMMANDS, shared_default_args

with DAG(
    "dbt_local_retries",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args=shared_default_args(),
):
    BashOperator(task_id="test", bash_command=DBT_COMMANDS["test"].format(select="+"), retries=0)
