# expect: none
"""A run triggered through the REST API is named by the time it is triggered; what it loads
comes from its conf."""

from datetime import datetime, timezone

import pendulum
import requests
from airflow.decorators import dag, task


@dag(schedule="@hourly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def trigger_runs():
    @task(retries=2)
    def trigger(ti=None):
        event = ti.xcom_pull(task_ids="find_event")
        payload = {
            "conf": event,
            "logical_date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        requests.post("http://airflow-apiserver:8080/api/v2/dags/etl/dagRuns", json=payload)

    trigger()


trigger_runs()
