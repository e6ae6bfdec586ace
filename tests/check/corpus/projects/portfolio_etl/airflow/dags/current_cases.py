# expect: TP001@14
"""A helper that picks its day from the clock is the task's wall clock, wherever it lives."""

import logging
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from reporting.cases import fetch_current_cases, started_at


def report() -> None:
    logging.info("report started %s", started_at())
    cases = fetch_current_cases()
    logging.info("%d cases", len(cases))


with DAG(
    "current_cases",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
):
    PythonOperator(task_id="report", python_callable=report)
