# expect: TP003@14
"""An imported callable whose own imports reach the loader that appends."""

import sys
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from pipeline import run_pipeline

sys.path.append("/opt/airflow/src")

with DAG("readings", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(
        task_id="load_readings",
        python_callable=run_pipeline,  # src/readings_store.py: insert_rows_json
    )
