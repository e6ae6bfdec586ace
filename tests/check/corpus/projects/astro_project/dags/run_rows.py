# expect: none
"""The run's rows are deleted by one task and inserted by the next: every try starts clean."""

from datetime import datetime

from airflow import DAG
from airflow.providers.postgres.operators.postgres import PostgresOperator

with DAG(
    "run_rows",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
    max_active_runs=1,
):
    delete = PostgresOperator(
        task_id="delete_run_rows",
        sql="DELETE FROM dag_runs WHERE dt = '{{ ds }}' AND dag_id = '{{ dag.dag_id }}'",
    )
    insert = PostgresOperator(
        task_id="insert_run_rows",
        sql="INSERT INTO dag_runs (dt, dag_id) VALUES ('{{ ds }}', '{{ dag.dag_id }}')",
    )
    delete >> insert
