# expect: TP001@11, TP007@8
"""A helper module whose file name differs in case from the import (Listens_api.py)."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from listens_api import pull_listens

with DAG("listens", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="listens", python_callable=pull_listens)
