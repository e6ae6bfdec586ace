# expect: none
from datetime import datetime

from airflow import DAG
from airflow.providers.docker.operators.docker import DockerOperator

with DAG("spark_jobs", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    DockerOperator(task_id="aggregate", image="acme/spark-jobs:3.5", command="run aggregate.py")
