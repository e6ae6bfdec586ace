# expect: TP001@18, TP001@19
"""Weather loads through a client module."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from include.weather_api import (
    fetch_forecast_day,
    fetch_forecast_of,
    fetch_interval,
    fetch_recent_days,
)

RUN_DAY = "{{ ds }}"

with DAG("weather", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="recent", python_callable=fetch_recent_days, op_args=["Oslo"])
    PythonOperator(task_id="tomorrow", python_callable=fetch_forecast_day, op_args=["Oslo"])
    PythonOperator(
        task_id="interval",
        python_callable=fetch_interval,
        op_args=["Oslo", "{{ data_interval_start }}", "{{ data_interval_end }}"],
    )
    PythonOperator(task_id="day", python_callable=fetch_forecast_of, op_args=["Oslo", RUN_DAY])
