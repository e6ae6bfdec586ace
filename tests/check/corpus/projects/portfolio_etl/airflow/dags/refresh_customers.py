# expect: TP005@12
"""One task drops the tables, the next appends the whole source: a full refresh in two steps."""

import os
import sys
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

sys.path.append(os.path.join(os.path.dirname(__file__), "..", "..", "pgsql"))
import db_util  # noqa: E402
import pandas as pd  # noqa: E402


def load_customers() -> None:
    db_util.insert_customers(pd.read_csv("/opt/airflow/data/customers.csv"), "customers")
    db_util.insert_customers(pd.read_csv("/opt/airflow/data/orders.csv"), "orders")


with DAG(
    "refresh_customers",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@weekly",
    catchup=False,
    max_active_runs=1,
):
    drop = PythonOperator(task_id="drop_tables", python_callable=db_util.drop_tables)
    load = PythonOperator(task_id="load_customers", python_callable=load_customers)
    drop >> load
