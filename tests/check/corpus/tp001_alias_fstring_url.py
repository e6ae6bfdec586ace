# expect: TP001@14
"""Clock read through an aliased import, formatted, and pasted into the download URL."""

from datetime import datetime as dt

import requests
from airflow import DAG
from airflow.operators.python import PythonOperator

BASE = "https://d37ci6vzurychx.cloudfront.net/trip-data"


def download(**_):
    month = dt.now().strftime("%Y-%m")  # <- TP001
    url = f"{BASE}/yellow_tripdata_{month}.parquet"
    response = requests.get(url, timeout=60)
    return len(response.content)


with DAG(
    dag_id="tp001_alias_fstring_url",
    start_date=dt(2024, 1, 1),
    schedule_interval="@monthly",
    catchup=False,
) as dag:
    PythonOperator(task_id="download", python_callable=download)
