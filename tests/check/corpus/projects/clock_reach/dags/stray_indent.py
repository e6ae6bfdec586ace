# expect: TP001@12, TP007@24
"""The last line is unindented to no level of the blocks above it: the file does not parse."""

from datetime import datetime

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator


def write_snapshot(rows):
    name = datetime.now().strftime("%Y%m%d")
    rows.to_csv(f"s3://bucket/snapshots/{name}.csv")


with DAG(
    "stray_indent",
    start_date=pendulum.datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
):
        start = PythonOperator(task_id="start", python_callable=print)
        snapshot = PythonOperator(task_id="snapshot", python_callable=write_snapshot)
    start >> snapshot
