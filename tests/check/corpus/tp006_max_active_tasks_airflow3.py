# expect: TP006@16
"""Airflow 3 caps running tasks per DAG run: two runs can still build the same models."""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "tp006_max_active_tasks_airflow3",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_tasks=1,
):
    BashOperator(task_id="dbt_run", bash_command="cd /opt/airflow/dbt && dbt run")
