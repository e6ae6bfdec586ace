# expect: none
"""Incremental order feed: the position lives in a Variable the task itself moves on."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from state.feed import pull_changes

with DAG("order_feed", start_date=datetime(2024, 1, 1), schedule="@hourly", catchup=False):
    PythonOperator(task_id="pull", python_callable=pull_changes, op_args=["orders_position"])
