# expect: none
"""Airflow 2 caps a DAG's running tasks across all its runs: one at a time keeps dbt apart."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "tp006_clean_max_active_tasks_airflow2",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
    max_active_tasks=1,
) as dag:
    BashOperator(task_id="dbt_run", bash_command="cd /opt/airflow/dbt && dbt run")
