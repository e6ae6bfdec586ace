# expect: none
"""Airflow 2, catchup unset, old start date: the project's airflow.cfg turns catchup off."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("catchup_off_cfg", start_date=datetime(2019, 1, 1), schedule_interval="@daily") as dag:
    BashOperator(task_id="hello", bash_command="echo hello")
