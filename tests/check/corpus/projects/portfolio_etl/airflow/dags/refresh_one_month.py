# expect: TP003@18, TP005@12
"""Dropping the tables before a load of one month is no refresh: every other month is lost."""

import os
import sys
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

sys.path.append(os.path.join(os.path.dirname(__file__), "..", "..", "pgsql"))
import db_util  # noqa: E402
import pandas as pd  # noqa: E402


def load_month(ds: str) -> None:
    month = ds[:7]
    db_util.insert_customers(pd.read_csv(f"/opt/airflow/data/orders_{month}.csv"), "orders")


with DAG(
    "refresh_one_month",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@monthly",
    catchup=False,
    max_active_runs=1,
):
    drop = PythonOperator(task_id="drop_tables", python_callable=db_util.drop_tables)
    load = PythonOperator(task_id="load_month", python_callable=load_month)
    drop >> load
