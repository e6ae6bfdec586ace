# expect: TP004@20
"""A count of the stored rows is no filter of the rows written."""

from datetime import datetime

import duckdb
import pandas as pd
from airflow import DAG
from airflow.operators.python import PythonOperator


def load_month(**context):
    month = context["data_interval_start"].strftime("%Y-%m-01")
    conn = duckdb.connect("warehouse.duckdb")
    frame = pd.read_parquet(f"/data/trips_{month}.parquet")  # noqa: F841 (read by the INSERT)
    stored = conn.execute(
        f"SELECT COUNT(*) FROM trips WHERE date_trunc('month', pickup_datetime) = DATE '{month}'"
    ).fetchone()[0]
    if stored != 0:
        conn.execute(f"DELETE FROM trips WHERE date_trunc('month', pickup_datetime) = '{month}'")
    conn.execute("INSERT INTO trips SELECT * FROM frame")


with DAG("monthly_trips", start_date=datetime(2024, 1, 1), schedule="@monthly", catchup=False):
    PythonOperator(task_id="load_month", python_callable=load_month)
