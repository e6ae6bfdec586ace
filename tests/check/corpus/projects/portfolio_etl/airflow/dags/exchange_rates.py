# expect: TP003@22, TP005@13
"""Helpers on a relative sys.path entry, a task calling module.function: both are followed."""

import os
import sys
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

sys.path.append(f"../pgsql/")
sys.path.insert(0, os.path.abspath(os.path.dirname(__file__)))
import db_util  # noqa: E402

with DAG(
    "exchange_rates",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
    max_active_runs=1,
):
    PythonOperator(
        task_id="load_rates",
        python_callable=db_util.load_rates,
    )
