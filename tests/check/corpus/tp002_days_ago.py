# expect: TP002@8
"""days_ago(7) on a daily schedule backfills a week; days_ago(1) is only the latest run."""

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.utils.dates import days_ago

with DAG("tp002_week_back", start_date=days_ago(7), schedule_interval="@daily") as week:  # <- TP002
    BashOperator(task_id="hello", bash_command="echo hello")

with DAG("tp002_yesterday", start_date=days_ago(1), schedule_interval="@daily") as yesterday:
    BashOperator(task_id="hello", bash_command="echo hello")
