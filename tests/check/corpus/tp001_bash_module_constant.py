# expect: TP001@9
"""A module-level date string formatted into a BashOperator command."""

import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

TODAY = datetime.datetime.today().strftime("%Y-%m-%d")  # <- TP001

with DAG(
    "tp001_bash_module_constant",
    start_date=datetime.datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
) as dag:
    BashOperator(
        task_id="ingest",
        bash_command=f"python /opt/airflow/scripts/ingest.py --date {TODAY}",
    )
