# expect: TP001@12
"""A trailing window counted back from today, asked of a market-data client."""

from datetime import datetime, timedelta

import market_client
from airflow import DAG
from airflow.operators.python import PythonOperator


def pull_month():
    until = datetime.today()
    since = until - timedelta(days=30)
    market_client.Ticker("AAA").history(start=since.strftime("%Y-%m-%d"), end=until)


def pull_interval(data_interval_start=None, data_interval_end=None):
    market_client.Ticker("AAA").history(start=data_interval_start, end=data_interval_end)


def time_it():
    began = datetime.now()
    market_client.report(start=began, end=datetime.now())


with DAG("quotes_window", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="month", python_callable=pull_month)
    PythonOperator(task_id="interval", python_callable=pull_interval)
    PythonOperator(task_id="timed", python_callable=time_it)
