# expect: none
from datetime import datetime

from airflow import DAG
from helpers.check_tasks import build_and_test

with DAG(
    dag_id="build_then_test",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2},
) as dag:
    build = build_and_test(dag)
