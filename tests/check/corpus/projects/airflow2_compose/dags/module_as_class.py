# expect: TP002@15, TP007@12
"""`import datetime`, then the module called as if it were the class."""

import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

monthly = DAG(
    "trips_monthly",
    schedule_interval="0 5 1 * *",
    start_date=datetime(2020, 1, 1),
    max_active_runs=1,
    max_active_tasks=1,
    catchup=True,
)

with monthly:
    BashOperator(task_id="fetch", bash_command="echo {{ ds }}")
