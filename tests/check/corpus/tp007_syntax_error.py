# expect: TP007@9
"""A DAG file that does not parse never loads; the scheduler only logs an import error."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("tp007_syntax_error", start_date=datetime(2024, 1, 1), schedule_interval=None) as dag  # <- TP007
    EmptyOperator(task_id="noop")
