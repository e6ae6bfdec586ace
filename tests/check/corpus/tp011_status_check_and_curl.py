# expect: TP011@14, TP011@29
"""Raising on any non-200 and curl --fail both retry permanent HTTP errors."""

from datetime import datetime, timedelta

import requests
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def fetch(ds=None, **_):
    response = requests.get(f"https://example.org/export/{ds}.csv", timeout=60)
    if response.status_code != 200:  # <- TP011
        raise Exception(f"download failed: {response.status_code}")
    return response.text


with DAG(
    "tp009_status_check_and_curl",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=1)},
) as dag:
    PythonOperator(task_id="fetch", python_callable=fetch)
    BashOperator(
        task_id="fetch_shell",
        bash_command="curl -fsSL https://example.org/export/{{ ds }}.csv -o export.csv",  # <- TP011
    )
