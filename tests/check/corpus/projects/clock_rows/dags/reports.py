# expect: TP001@10
"""Weekly spend report and a freshness check, run as scripts."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("reports", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    BashOperator(task_id="spend", bash_command="python scripts/weekly_spend.py")
    BashOperator(task_id="freshness", bash_command="python scripts/freshness.py")
