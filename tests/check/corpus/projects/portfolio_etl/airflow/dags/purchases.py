# expect: none
"""The table is recreated by the task before the load, with SQL imported from sql/queries.py."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.postgres.operators.postgres import PostgresOperator
from sql.queries import RECREATE_PURCHASES


def load_purchases() -> None:
    rows = [line.split(",") for line in open("/opt/airflow/data/purchases.csv")]
    PostgresHook("warehouse").insert_rows(table="public.purchases", rows=rows)


with DAG(
    "purchases",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
    max_active_runs=1,
):
    recreate = PostgresOperator(
        task_id="recreate", postgres_conn_id="warehouse", sql=RECREATE_PURCHASES
    )
    load = PythonOperator(task_id="load", python_callable=load_purchases)
    recreate >> load
