# expect: TP005@14, TP005@16, TP005@19, TP005@27, TP005@28
"""Secrets given to names that say so: a config dict, a default value, a header, an env var."""

import os

import pendulum
import psycopg2
import requests
from airflow.sdk import dag, task

DB_CONFIG = {
    "host": "warehouse",
    "user": "loader",
    "password": "l0ad3r!2024",  # <- TP005
}
SLACK_TOKEN = "xoxb-2093847561-1029384756-AbCdEfGhIjKlMnOpQrStUvWx"  # <- TP005


def connect(dbname, password="hunter22"):  # <- TP005
    return psycopg2.connect(dbname=dbname, password=password, host="warehouse")


@dag(schedule="@daily", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp005_named_secrets():
    @task
    def call_api():
        os.environ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # <- TP005
        headers = {"X-Api-Key": "5f4dcc3b5aa765d61d8327deb882cf99"}  # <- TP005
        return requests.get("https://api.example.com/v1/trips", headers=headers, timeout=30)

    call_api()


tp005_named_secrets()
