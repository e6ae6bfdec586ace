# expect: TP001@18
"""The task's helper reads a window counted back from the database's clock; the checks do not."""

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator
from jobs.exporter import hourly_counts, loaded_today, rows_of_yesterday

with DAG(
    "daily_rollup",
    start_date=pendulum.datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
):
    read = PythonOperator(
        task_id="read",
        python_callable=rows_of_yesterday,
    )
    check = PythonOperator(task_id="check", python_callable=loaded_today)
    health = PythonOperator(task_id="health", python_callable=hourly_counts)
    read >> check >> health
