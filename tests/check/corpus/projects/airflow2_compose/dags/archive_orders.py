# expect: none
"""An S3 hook made at import and kept for the task: making it looks nothing up."""

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator
from storage.archive import Archive

archive = Archive()

with DAG(
    "archive_orders",
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):
    PythonOperator(
        task_id="upload",
        python_callable=archive.upload,
        op_kwargs={"path": "/opt/airflow/data/{{ ds }}.csv", "key": "{{ ds }}.csv"},
    )
