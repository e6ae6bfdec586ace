# expect: none
"""Only dbt test through the helper: it builds nothing, so overlapping runs cannot collide."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from dbt_runner import check_models

with DAG("dbt_tests_only", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="check_models", python_callable=check_models)
