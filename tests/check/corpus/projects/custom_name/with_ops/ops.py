# expect: none
"""The configured runbook name is present next to the DAG."""

import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("custom_with_ops", schedule=None, start_date=pendulum.datetime(2024, 1, 1)):
    EmptyOperator(task_id="noop")
