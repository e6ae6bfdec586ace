# expect: TP006@13, TP007@15
"""A comma is missing between two operator arguments: the file does not parse, and what the
rest of it does is still checked."""

from datetime import datetime

from airflow.decorators import dag
from airflow.operators.bash import BashOperator


@dag(start_date=datetime(2024, 5, 1), schedule="@hourly", catchup=False)
def build_models():
    BashOperator(
        task_id="dbt_build",
        cwd="/opt/airflow/dbt"
        bash_command="dbt build",
    )


build_models()
