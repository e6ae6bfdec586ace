# expect: TP002@16
"""Airflow 2, catchup unset: the DAG's arguments come from a dict unpacked into DAG()."""

import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

dag_args = dict(
    dag_id="week_days",
    default_args={"start_date": datetime.datetime(2022, 3, 17), "retries": 1},
    description="Week days pipeline",
    schedule_interval="0 0 * * 1-5",
)

with DAG(**dag_args) as dag:
    PythonOperator(task_id="start", python_callable=print)
