# expect: TP001@15
"""Scripts a task runs as modules (`python -m jobs.x`): the script is the task's code."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "orders_script",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
):
    BashOperator(task_id="orders", bash_command="cd /opt/airflow && python -m jobs.load_orders")
    BashOperator(task_id="audit", bash_command="cd /opt/airflow && python -m jobs.load_audit")
