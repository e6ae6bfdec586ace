# expect: none
"""A request signed with a timestamp nonce, and the moment of the last extraction recorded."""

import hashlib
import os
from datetime import datetime

import pendulum
import requests
from airflow import DAG
from airflow.operators.python import PythonOperator
from jobs.state import update_last_extraction_date


def pull_catalogue():
    stamp = str(int(datetime.now().timestamp()))
    public, private = os.environ["API_PUBLIC"], os.environ["API_PRIVATE"]
    digest = hashlib.md5((stamp + private + public).encode()).hexdigest()
    params = {"ts": stamp, "apikey": public, "hash": digest}
    rows = requests.get("https://api.example.com/v1/catalogue", params=params, timeout=30).json()
    update_last_extraction_date("state/last_extraction.txt", datetime.now())
    return rows


with DAG(
    "signed_api",
    start_date=pendulum.datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
):
    PythonOperator(task_id="pull", python_callable=pull_catalogue)
