# expect: TP001@14
"""One task returns the clock's month; the next builds its download URL from the argument."""

from datetime import datetime

import requests
from airflow.sdk import dag, task


@dag(schedule="@monthly", start_date=datetime(2024, 1, 1), catchup=False)
def tp001_taskflow_xcom():
    @task
    def pick_month() -> str:
        return datetime.now().strftime("%Y-%m")  # <- TP001

    @task
    def download(month: str) -> int:
        url = "https://example.org/trips/" + month + ".csv"
        return len(requests.get(url, timeout=30).content)

    download(pick_month())


tp001_taskflow_xcom()
