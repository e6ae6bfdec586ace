# expect: TP001@14
from datetime import datetime

import pipelines.quotes
from airflow import DAG
from airflow.operators.python import PythonOperator

with DAG(
    "quotes",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
):
    PythonOperator(task_id="quotes", python_callable=pipelines.quotes.run)
    PythonOperator(task_id="timed", python_callable=pipelines.quotes.run_timed)
