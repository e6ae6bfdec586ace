# expect: TP009@17
"""Calling the imported task adds it with the retries its decorator declares."""

from datetime import datetime

from airflow.decorators import dag
from steps.fetch import fetch_readings, store_readings


@dag(
    start_date=datetime(2024, 5, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
)
def weather():
    store_readings(fetch_readings("north"))


weather()
