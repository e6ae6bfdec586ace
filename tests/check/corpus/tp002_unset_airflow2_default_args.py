# expect: TP002@16
"""Airflow 2 (schedule_interval), catchup left out: the start date comes from default_args."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator

default_args = {
    "owner": "data",
    "start_date": datetime(2022, 1, 1),
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
}

dag = DAG(  # <- TP002
    "tp002_unset_airflow2_default_args",
    default_args=default_args,
    schedule_interval="0 6 * * *",
)

EmptyOperator(task_id="noop", dag=dag)
