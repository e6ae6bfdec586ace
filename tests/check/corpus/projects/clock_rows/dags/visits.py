# expect: TP001@11
"""Load generated clinic visits."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from etl.visits import make_audit_rows, make_visits

with DAG("visits", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="visits", python_callable=make_visits, op_args=[10])
    PythonOperator(task_id="audit", python_callable=make_audit_rows, op_args=[10])
