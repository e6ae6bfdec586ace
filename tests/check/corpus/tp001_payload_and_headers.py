# expect: TP001@19
"""A request window written into a payload dict is a boundary; a Date header is not."""

import json
from datetime import datetime, timedelta, timezone

import pendulum
import requests
from airflow.sdk import dag, task

API = "https://api.example.com/v2/rides/search"


@dag(schedule="@hourly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp001_payload_and_headers():
    @task
    def fetch_window():
        payload = {"params": {"timeFrame": {}}}
        start = datetime.now(timezone.utc)  # <- TP001
        payload["params"]["timeFrame"]["startDate"] = start.isoformat()
        payload["params"]["timeFrame"]["endDate"] = (start + timedelta(minutes=10)).isoformat()
        headers = {"Date": datetime.utcnow().strftime("%a, %d %b %Y %H:%M:%S GMT")}
        return requests.post(API, data=json.dumps(payload), headers=headers, timeout=30).json()

    fetch_window()


tp001_payload_and_headers()
