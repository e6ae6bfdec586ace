# expect: TP001@11
"""Pull recent listens."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from etl.listens import pull_listens_between, pull_recent_listens

with DAG("listens", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="recent", python_callable=pull_recent_listens, op_args=["t"])
    PythonOperator(
        task_id="between",
        python_callable=pull_listens_between,
        op_args=["t", "{{ data_interval_start.int_timestamp }}", "{{ data_interval_end.int_timestamp }}"],
    )
