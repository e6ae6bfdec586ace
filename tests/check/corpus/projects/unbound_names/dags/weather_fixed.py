# expect: none
"""Only the imported task with few retries is used."""

from datetime import datetime

from airflow.decorators import dag
from steps.fetch import store_readings


@dag(start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False, max_active_runs=1)
def weather_fixed():
    store_readings(["row"])


weather_fixed()
