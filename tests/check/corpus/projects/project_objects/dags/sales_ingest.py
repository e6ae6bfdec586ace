# expect: TP005@8
"""The task's callable imports the ingestion module inside its body."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from ingest_tasks.checks import ingest_if_empty

with DAG("sales_ingest", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(
        task_id="ingest",
        python_callable=ingest_if_empty,
        op_kwargs={"path": "data/sales.csv"},
    )
