# expect: TP008@12, TP008@17
"""A Windows drive path and a macOS home; S3 keys that contain /tmp/ are not host paths."""

import pendulum
from airflow.sdk import DAG, task
from airflow.providers.standard.operators.bash import BashOperator

with DAG("tp008_windows_and_users", schedule=None, start_date=pendulum.datetime(2024, 1, 1)):

    @task
    def read_export():
        with open(r"C:\Users\bob\Downloads\trips.csv") as handle:  # <- TP008
            return handle.readline()

    BashOperator(
        task_id="dbt_docs",
        bash_command="cd /Users/bob/code/taxi/dbt && dbt docs generate",  # <- TP008
        pool="dbt",
    )
    BashOperator(task_id="sync", bash_command="aws s3 sync s3://lake/tmp/staging s3://lake/ready")
    read_export()
