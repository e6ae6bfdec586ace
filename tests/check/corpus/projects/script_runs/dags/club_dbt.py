# expect: TP005@16, TP006@21
"""dbt commands built by a function of the DAG file, and a secret's fallback inside a template."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator


def dbt(subcommand: str, select: str) -> str:
    return f"cd /opt/airflow/dbt && dbt {subcommand} --select {select}"


WAREHOUSE_ENV = {
    "WAREHOUSE_USER": "{{ var.value.get('warehouse_user', 'club') }}",
    "WAREHOUSE_PASSWORD": "{{ var.value.get('warehouse_password', 'DEFAULT_PASSWORD') }}",
    "WAREHOUSE_TOKEN": "{{ var.value.warehouse_token }}",
}

with DAG("club_dbt", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    BashOperator(task_id="dbt_marts", bash_command=dbt("run", "marts"), env=WAREHOUSE_ENV)
    BashOperator(task_id="dbt_tests", bash_command=dbt("test", "marts"), env=WAREHOUSE_ENV)

with DAG(
    "club_dbt_serial",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
):
    BashOperator(task_id="dbt_staging", bash_command=dbt("run", "staging"))
