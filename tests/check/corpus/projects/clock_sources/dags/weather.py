# expect: TP001@11
"""Weather loads through a client module."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from include.weather_api import fetch_interval, fetch_recent_days

with DAG("weather", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="recent", python_callable=fetch_recent_days, op_args=["Oslo"])
    PythonOperator(
        task_id="interval",
        python_callable=fetch_interval,
        op_args=["Oslo", "{{ data_interval_start }}", "{{ data_interval_end }}"],
    )
