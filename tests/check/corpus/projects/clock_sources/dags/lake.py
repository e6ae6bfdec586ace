# expect: TP001@14
"""Lands prices in the lake's raw layer and keeps a backup copy."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from include.lake import LakeWriter


def land(**_):
    writer = LakeWriter("prices")
    writer.keep_backup("/data/prices.json")
    writer.save_raw(b"{}")


with DAG("lake", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="land", python_callable=land)
