# expect: TP009@13, TP009@24
"""Too many retries, from default_args and on one operator; three is still fine."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

MAX_RETRIES = 10

default_args = {
    "owner": "data",
    "retries": 5,  # <- TP009
    "retry_delay": timedelta(minutes=2),
}

with DAG(
    "tp009_retries_above_three",
    default_args=default_args,
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
) as dag:
    BashOperator(task_id="a", bash_command="echo a", retries=MAX_RETRIES)  # <- TP009
    BashOperator(task_id="b", bash_command="echo b", retries=3)
