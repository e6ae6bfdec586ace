# expect: TP003@14, TP007@22
"""A line indented to no enclosing level: the file fails, and the rest is still read."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


def load_reading():
    hook = PostgresHook(postgres_conn_id="warehouse")
    hook.copy_expert(
        sql="COPY readings FROM STDIN WITH CSV",
        filename="/opt/airflow/data/reading.csv",
    )


with DAG("broken_indent", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
        start = PythonOperator(task_id="start", python_callable=print)
        load = PythonOperator(task_id="load", python_callable=load_reading)
    start >> load
