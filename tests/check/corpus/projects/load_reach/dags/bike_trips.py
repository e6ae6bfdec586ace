# expect: TP003@12
"""A stg_ table that no task ever empties piles up like any other."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("bike_trips", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    BashOperator(
        task_id="copy_trips",
        bash_command="python /opt/airflow/scripts/copy_trips.py",
    )
