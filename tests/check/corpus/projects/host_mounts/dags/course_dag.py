# expect: TP008@7
"""An Airflow 1 plugin operator imported from airflow.operators, read for host paths."""

from datetime import datetime

from airflow import DAG
from airflow.operators import BuildTablesOperator

with DAG("course", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    BuildTablesOperator(task_id="build_tables", conn_id="warehouse")
