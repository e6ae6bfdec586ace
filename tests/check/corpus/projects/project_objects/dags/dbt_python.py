# expect: TP006@11
"""dbt run through a project helper's subprocess, with DAG runs free to overlap."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from dbt_runner import build_models, check_models

with DAG("dbt_python", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    build = PythonOperator(task_id="build_models", python_callable=build_models)
    check = PythonOperator(task_id="check_models", python_callable=check_models)
    build >> check
