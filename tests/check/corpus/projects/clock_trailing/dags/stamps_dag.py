# expect: TP001@33
"""Stamps to the second name one try's table or folder; epoch seconds minus a day are a window."""

import time
from datetime import datetime

import requests
from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook
from steps.folders import extract

batch = datetime.now().replace(microsecond=0)


def stage_and_merge():
    stage = f"posts_stage_{int(time.time())}"
    hook = PostgresHook("warehouse")
    hook.run(f"CREATE TEMP TABLE {stage} (LIKE posts INCLUDING DEFAULTS)")
    hook.run(f"INSERT INTO posts SELECT * FROM {stage} ON CONFLICT (id) DO NOTHING")


def write_rows(rows, name=None):
    if name is None:
        name = f"posts_{int(time.time())}.csv"
    with open(f"/data/out/{name}", "w") as handle:
        handle.writelines(rows)


def pull_recent():
    url = "https://api.example.com/posts"
    return requests.get(
        url, params={"after": int(time.time()) - 86400}, timeout=30
    ).json()


with DAG("stamps", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="merge", python_callable=stage_and_merge)
    PythonOperator(task_id="write", python_callable=write_rows, op_args=[["a\n"]])
    PythonOperator(task_id="recent", python_callable=pull_recent)
    PythonOperator(task_id="extract", python_callable=extract, op_kwargs={"batch": batch})
