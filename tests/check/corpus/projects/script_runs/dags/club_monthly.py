# expect: TP003@21
"""A callable imported from a project module, handed the run's month only through op_kwargs."""

import os
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from ingest_monthly import load_file

DATA = os.environ.get("CLUB_DATA", "/opt/airflow/data")
MONTH_FILE = DATA + "/visits_{{ data_interval_start.strftime('%Y-%m') }}.parquet"

with DAG(
    "club_monthly",
    start_date=datetime(2024, 1, 1),
    schedule="@monthly",
    catchup=False,
    max_active_runs=1,
):
    PythonOperator(
        task_id="load_month",
        python_callable=load_file,
        op_kwargs={"table_name": "visits_by_month", "parquet_file": MONTH_FILE},
    )
    PythonOperator(
        task_id="load_reference",
        python_callable=load_file,
        op_kwargs={"table_name": "levels", "parquet_file": DATA + "/levels.parquet"},
    )
