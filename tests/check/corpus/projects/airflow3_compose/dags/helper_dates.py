# expect: TP001@13, TP001@21
"""Days picked by the clock in helper modules: returned to the task, or used by the callable."""

import pendulum
import requests
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

from include.windows import extract_recent, previous_month


def download() -> None:
    month = previous_month()
    requests.get(f"https://data.example.org/trips_{month}.parquet", timeout=60)


with DAG(
    "helper_dates", start_date=pendulum.datetime(2024, 1, 1), schedule="@monthly", max_active_runs=1
):
    PythonOperator(task_id="download", python_callable=download)
    PythonOperator(task_id="plays", python_callable=extract_recent)
