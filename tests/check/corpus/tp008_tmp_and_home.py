# expect: TP008@11, TP008@12, TP008@21
"""Data handed between tasks through /tmp, and paths under a developer's home."""

import os
from datetime import datetime

import pandas as pd
from airflow import DAG
from airflow.operators.python import PythonOperator

LOCAL_FILE = "/tmp/yellow_tripdata.parquet"  # <- TP008
PROJECT = os.path.expanduser("~/projects/taxi")  # <- TP008


def extract(**_):
    pd.read_csv("data/trips.csv").to_parquet(LOCAL_FILE)


def transform(**_):
    frame = pd.read_parquet(LOCAL_FILE)
    frame.to_csv(f"/home/jane/exports/{len(frame)}.csv")  # <- TP008
    print("wrote a copy to /tmp for debugging")


with DAG(
    "tp008_tmp_and_home",
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
) as dag:
    PythonOperator(task_id="extract", python_callable=extract) >> PythonOperator(
        task_id="transform", python_callable=transform
    )
