# expect: TP010@8
"""A well-built DAG with nobody told how to run it: no runbook here or at the root."""

import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG(  # <- TP010
    "no_runbook_ingest",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1),
    catchup=False,
):
    EmptyOperator(task_id="noop")
