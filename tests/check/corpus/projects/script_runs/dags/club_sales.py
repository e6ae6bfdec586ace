# expect: TP003@16
"""Scripts that number their rows from the table's largest key, or append past a watermark."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "club_sales",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
):
    BashOperator(task_id="sales", bash_command="python /opt/airflow/scripts/load_sales.py")
    BashOperator(task_id="days", bash_command="python /opt/airflow/scripts/load_days.py")
    BashOperator(task_id="members", bash_command="python scripts/load_members_past.py")
