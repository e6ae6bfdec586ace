# expect: none
"""Retries kept for transient errors only: 403/404 fail fast, or a retry policy decides."""

from datetime import timedelta

import pendulum
import requests
from airflow.exceptions import AirflowFailException
from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule, dag, task

HTTP_FAIL_FAST = ExceptionRetryPolicy(
    rules=[RetryRule(exception="requests.exceptions.HTTPError", action=RetryAction.FAIL)]
)


@dag(schedule="@monthly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp009_clean_fail_fast():
    @task(retries=3, retry_delay=timedelta(minutes=5))
    def download(data_interval_start=None):
        response = requests.get(f"https://example.org/{data_interval_start:%Y-%m}.csv", timeout=60)
        if response.status_code in (403, 404):
            raise AirflowFailException(f"not published: {response.status_code}")
        response.raise_for_status()
        return response.content

    @task(retries=2, retry_policy=HTTP_FAIL_FAST)
    def download_with_policy():
        response = requests.get("https://example.org/latest.csv", timeout=60)
        response.raise_for_status()
        return response.content

    download()
    download_with_policy()


tp009_clean_fail_fast()
