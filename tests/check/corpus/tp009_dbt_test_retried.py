# expect: TP009@17, TP009@23
"""dbt test fails the same way on every try: retrying it only delays the alert."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "tp009_dbt_test_retried",
    start_date=datetime(2024, 1, 1),
    schedule="@monthly",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2},
):
    dbt_test = BashOperator(
        task_id="dbt_test",
        bash_command="cd /opt/airflow/include/dbt && dbt test --profiles-dir .",
        pool="dbt",
    )
    dbt_run = BashOperator(task_id="dbt_run", bash_command="dbt run", pool="dbt")
    freshness = BashOperator(
        task_id="dbt_test_sources",
        bash_command="dbt --no-use-colors test --select source:*",
        pool="dbt",
    )
    no_retry = BashOperator(task_id="dbt_test_once", bash_command="dbt test", retries=0, pool="dbt")
    dbt_run >> [dbt_test, freshness, no_retry]
