# expect: TP005@24, TP006@19
"""Shell scripts the tasks run: one builds dbt models, one holds a password."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "nightly",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
) as dag:
    check = BashOperator(
        task_id="check_sources",
        bash_command="dbt source freshness --project-dir /opt/airflow/dbt",
    )
    transform = BashOperator(
        task_id="transform", bash_command="bash /opt/airflow/scripts/transform.sh "
    )
    export = BashOperator(
        task_id="export",
        bash_command="scripts/export.sh ",
    )
    check >> transform >> export
