# expect: none
"""Replacing a small lookup table in full is right when the task is not about one period."""

import os
from datetime import datetime

import pandas as pd
from airflow import DAG
from airflow.operators.python import PythonOperator
from sqlalchemy import create_engine

ZONES = "https://d37ci6vzurychx.cloudfront.net/misc/taxi_zone_lookup.csv"


def refresh_zones():
    engine = create_engine(os.environ["WAREHOUSE_URL"])
    pd.read_csv(ZONES).to_sql("taxi_zones", engine, if_exists="replace", index=False)


with DAG(
    "tp003_clean_full_refresh",
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
) as dag:
    PythonOperator(task_id="refresh_zones", python_callable=refresh_zones)
