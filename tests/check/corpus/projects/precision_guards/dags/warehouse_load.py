# expect: TP003@30, TP005@8, TP008@8
"""Seeds demo customers, then copies the day's S3 prefixes into the warehouse."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from seed import accounts, runtime

from plugins.operators.s3_append import S3AppendOperator
from plugins.operators.s3_to_warehouse import S3ToWarehouseOperator


def seed_customers():
    print(len(accounts.customers()), accounts.login("north")["login"], runtime.tool_path())
    print(runtime.export_folder())


with DAG(
    "warehouse_load",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
):
    seed = PythonOperator(task_id="seed_customers", python_callable=seed_customers)
    refresh = S3ToWarehouseOperator(
        task_id="refresh_events", table="events", prefix="events/{{ ds }}", role="loader"
    )
    append = S3AppendOperator(
        task_id="append_clicks", table="clicks", prefix="clicks/{{ ds }}"
    )
    seed >> refresh >> append
