# expect: TP001@14
"""Hourly forecasts asked for through the query string of the URL."""

from datetime import datetime

import requests
from airflow.decorators import dag, task

BASE = "https://api.example.org"


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def forecast_url():
    today = "/v1/forecast?latitude=59.9&longitude=10.7&hourly=temperature&forecast_days=1"

    @task
    def hours_of_today() -> dict:
        return requests.get(f"{BASE}{today}", timeout=30).json()

    @task
    def hours_of_run_day(ds=None) -> dict:
        query = f"latitude=59.9&longitude=10.7&hourly=temperature&start_date={ds}&end_date={ds}"
        return requests.get(f"{BASE}/v1/forecast?{query}&forecast_days=1", timeout=30).json()

    hours_of_today()
    hours_of_run_day()


forecast_url()
