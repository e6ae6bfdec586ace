# expect: TP009@19
"""default_args and dbt commands kept in a project module: the test task inherits retries."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from dbt_settings import DBT_COMMANDS, shared_default_args

with DAG(
    "dbt_shared_defaults",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args=shared_default_args(),
):
    build = BashOperator(task_id="build", bash_command=DBT_COMMANDS["run"].format(select="+"))
    test = BashOperator(
        task_id="test",
        bash_command=DBT_COMMANDS["test"].format(select="+"),
    )
    build >> test
