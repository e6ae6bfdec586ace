# expect: none
"""The same load, the frame kept to the month's pickups before it is inserted."""

from datetime import datetime

import duckdb
import pandas as pd
from airflow import DAG
from airflow.operators.python import PythonOperator


def load_month(**context):
    month = context["data_interval_start"].strftime("%Y-%m")
    conn = duckdb.connect("warehouse.duckdb")
    frame = pd.read_parquet(f"/data/trips_{month}.parquet")
    frame = frame[frame["pickup_datetime"].dt.strftime("%Y-%m") == month]  # noqa: F841
    conn.execute(f"DELETE FROM trips WHERE strftime(pickup_datetime, '%Y-%m') = '{month}'")
    conn.execute("INSERT INTO trips SELECT * FROM frame")


with DAG(
    "monthly_trips_filtered", start_date=datetime(2024, 1, 1), schedule="@monthly", catchup=False
):
    PythonOperator(task_id="load_month", python_callable=load_month)
