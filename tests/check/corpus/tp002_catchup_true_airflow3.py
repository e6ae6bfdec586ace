# expect: TP002@12
"""Airflow 3 defaults catchup to False, but this DAG turns it on with a 2020 start."""

import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG(
    dag_id="tp002_catchup_true_airflow3",
    schedule="@daily",
    start_date=pendulum.datetime(2020, 1, 1, tz="UTC"),
    catchup=True,  # <- TP002
):
    EmptyOperator(task_id="noop")
