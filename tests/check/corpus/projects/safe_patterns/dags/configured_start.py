# expect: TP001@13
"""A start read from a Variable nobody moves on: the clock decides every run."""

from datetime import datetime, timedelta

import requests
from airflow import DAG
from airflow.models import Variable
from airflow.operators.python import PythonOperator


def pull():
    first = (datetime.utcnow() - timedelta(days=1)).isoformat()
    since = Variable.get("orders_since", default_var=first)
    return requests.get("https://shop.example/api/orders", params={"since": since}).json()


with DAG("configured_start", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="pull", python_callable=pull)
