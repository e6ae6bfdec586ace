# expect: TP001@12
"""The e-mail task finds the day's file by the clock, not by the run."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from include.case_files import read_counts, write_counts

with DAG("cases", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="write", python_callable=write_counts, op_args=[{}])
    PythonOperator(task_id="read", python_callable=read_counts)
