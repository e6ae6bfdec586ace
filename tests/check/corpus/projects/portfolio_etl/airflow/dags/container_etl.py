# expect: TP003@19, TP005@19
"""Container tasks: the script an image runs is the project's, found by its path's tail."""

from datetime import datetime

from airflow import DAG
from airflow.providers.docker.operators.docker import DockerOperator

with DAG(
    "container_etl",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
    max_active_runs=1,
):
    DockerOperator(
        task_id="extract",
        image="etl_image",
        command="python -u /app/extract.py",
    )
    DockerOperator(
        task_id="ingest",
        image="etl_image",
        command=[
            "python3",
            "ingest_data.py",
            "--user",
            "{{ conn.warehouse.login }}",
            "--password",
            "{{ conn.warehouse.password }}",
        ],
    )
