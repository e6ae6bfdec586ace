# expect: TP001@11
"""Orders and customers from the shop API."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from plugins.pipeline import run_customers, run_orders

with DAG("orders", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="orders", python_callable=run_orders, op_args=[[]])
    PythonOperator(task_id="customers", python_callable=run_customers, op_args=[[]])
