# expect: TP007@9, TP008@9
"""Uses export_channels but not export_for_laptop; export_scratch writes under /tmp."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from state.exports import export_channels
from state.scratch import export_scratch

with DAG("channel_exports", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="export", python_callable=export_channels, op_args=[[]])
    PythonOperator(task_id="scratch", python_callable=export_scratch, op_args=[[]])
