# expect: none
"""Modules of airflow.operators (not plugin classes) still import under Airflow 2."""

import pendulum
from airflow import DAG
from airflow.operators import bash, python

with DAG(
    "orders_modules",
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):
    echo = bash.BashOperator(task_id="echo", bash_command="echo {{ ds }}")
    noop = python.PythonOperator(task_id="noop", python_callable=lambda: None)
    echo >> noop
