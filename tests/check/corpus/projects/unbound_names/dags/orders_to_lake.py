# expect: TP007@18
"""The dependency line names a task nobody made: the import raises NameError."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "orders_to_lake",
    start_date=datetime(2024, 5, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
):
    pull = BashOperator(task_id="pull", bash_command="echo pull {{ ds }}")
    push = BashOperator(task_id="push", bash_command="echo push {{ ds }}")
    pull >> stage >> push
