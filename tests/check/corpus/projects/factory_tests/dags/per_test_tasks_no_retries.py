# expect: none
from datetime import datetime

from airflow import DAG
from helpers.check_tasks import one_task_per_test

with DAG(
    dag_id="per_test_tasks_no_retries",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
) as dag:
    checks = one_task_per_test(dag, ["orders_unique"])
