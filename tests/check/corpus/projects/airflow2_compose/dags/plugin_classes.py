# expect: TP007@6
"""Airflow 1's plugin import path, in a project whose compose file runs Airflow 2."""

import pendulum
from airflow import DAG
from airflow.operators import CopyOrdersOperator, SummariseOrdersOperator

with DAG(
    "orders_copy",
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):
    copy = CopyOrdersOperator(task_id="copy")
    summarise = SummariseOrdersOperator(task_id="summarise")
    copy >> summarise
