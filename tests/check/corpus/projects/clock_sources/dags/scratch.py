# expect: none
"""A snapshot handed between tasks through a scratch file named by the day, then deleted."""

import os
from datetime import date, datetime

import pandas as pd
import requests
from airflow import DAG
from airflow.operators.python import PythonOperator

SCRATCH = f"./scratch/assets_{date.today()}.parquet"


def snapshot():
    rows = requests.get("https://api.example.org/assets?limit=50", timeout=30).json()
    pd.DataFrame(rows).to_parquet(SCRATCH)


def load(scratch_file):
    return len(pd.read_parquet(scratch_file))


def clean_up():
    os.remove(SCRATCH)


with DAG("scratch", start_date=datetime(2024, 1, 1), schedule="@hourly", catchup=False):
    get = PythonOperator(task_id="snapshot", python_callable=snapshot)
    put = PythonOperator(task_id="load", python_callable=load, op_kwargs={"scratch_file": SCRATCH})
    done = PythonOperator(task_id="clean_up", python_callable=clean_up)
    get >> put >> done
