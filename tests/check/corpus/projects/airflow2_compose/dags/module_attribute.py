# expect: none
"""`import datetime` used through the module: the class is `datetime.datetime`."""

import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator


def first_day():
    # runs only when called, inside a task: not at parse
    return datetime(2020, 1, 1)


with DAG(
    "trips_attribute",
    schedule_interval="@daily",
    start_date=datetime.datetime(2024, 1, 1),
    catchup=False,
):
    BashOperator(task_id="fetch", bash_command="echo {{ ds }}")
