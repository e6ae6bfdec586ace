# expect: TP002@13
"""Airflow 2 DAGs started a couple of days back: days_ago(2) stays one run behind, 10 do not."""

from datetime import timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.utils.dates import days_ago

with DAG("two_days_back", start_date=days_ago(2), schedule_interval=timedelta(days=1)):
    EmptyOperator(task_id="noop")

with DAG(
    "ten_days_back",
    start_date=days_ago(10),
    schedule_interval=timedelta(days=1),
):
    EmptyOperator(task_id="noop")
