# expect: TP006@17
"""dbt build from a BashOperator; the DAG can have 16 runs in flight."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

DBT_DIR = "/opt/airflow/dbt"

with DAG(
    "tp006_bash_dbt_airflow2",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
) as dag:
    BashOperator(  # <- TP006
        task_id="dbt_build",
        bash_command=f"cd {DBT_DIR} && dbt deps && dbt build --target prod",
    )
