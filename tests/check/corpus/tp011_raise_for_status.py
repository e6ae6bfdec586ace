# expect: TP011@21
"""A download that retries a 404 (month not yet published) as if it were a network blip."""

from datetime import datetime, timedelta

import requests
from airflow.decorators import dag, task


@dag(
    schedule="@monthly",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
)
def tp009_raise_for_status():
    @task
    def download(data_interval_start=None):
        url = f"https://example.org/trips_{data_interval_start:%Y-%m}.parquet"
        response = requests.get(url, timeout=60)
        response.raise_for_status()  # <- TP011
        return len(response.content)

    download()


tp009_raise_for_status()
