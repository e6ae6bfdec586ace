# expect: TP001@15, TP011@23, TP005@29, TP003@31, TP002@34
"""A typical course ingestion DAG that collects several traps at once."""

import os
from datetime import datetime

import pandas as pd
import requests
from airflow import DAG
from airflow.operators.python import PythonOperator
from sqlalchemy import create_engine

AIRFLOW_HOME = os.environ.get("AIRFLOW_HOME", "/opt/airflow/")
URL_PREFIX = "https://d37ci6vzurychx.cloudfront.net/trip-data"
execution_month = datetime.now().strftime("%Y-%m")  # <- TP001
FILE = f"{AIRFLOW_HOME}/output_{execution_month}.parquet"

default_args = {"owner": "student", "depends_on_past": False, "retries": 1}


def download(url, path):
    response = requests.get(url, timeout=120)
    response.raise_for_status()  # <- TP011
    with open(path, "wb") as handle:
        handle.write(response.content)


def ingest(path):
    engine = create_engine("postgresql://root:root@pgdatabase:5432/ny_taxi")  # <- TP005
    frame = pd.read_parquet(path)
    frame.to_sql("yellow_taxi_data", engine, if_exists="append", chunksize=100_000)  # <- TP003


local_workflow = DAG(  # <- TP002
    "realworld_course_ingest",
    default_args=default_args,
    schedule_interval="0 6 2 * *",
    start_date=datetime(2021, 1, 1),
)

with local_workflow:
    get = PythonOperator(
        task_id="download",
        python_callable=download,
        op_kwargs={"url": f"{URL_PREFIX}/yellow_tripdata_{execution_month}.parquet", "path": FILE},
    )
    load = PythonOperator(task_id="ingest", python_callable=ingest, op_kwargs={"path": FILE})
    get >> load
