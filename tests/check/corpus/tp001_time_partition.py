# expect: TP001@18
"""time.strftime with no time argument is the clock; it names the S3 partition."""

import time

import pendulum
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.sdk import DAG, task

with DAG(
    "tp001_time_partition",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
):

    @task
    def upload(path: str):
        ds = time.strftime("%Y-%m-%d")  # <- TP001
        S3Hook(aws_conn_id="aws").load_file(
            filename=path,
            key=f"raw/trips/dt={ds}/trips.parquet",
            bucket_name="lake",
            replace=True,
        )

    upload("trips.parquet")
