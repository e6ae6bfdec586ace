# expect: TP010@8
"""A RUNBOOK.md is here, but the project asks for OPERATIONS.md."""

import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("custom_wrong_name", schedule=None, start_date=pendulum.datetime(2024, 1, 1)):  # <- TP010
    EmptyOperator(task_id="noop")
