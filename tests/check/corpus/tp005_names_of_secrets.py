# expect: TP005@11
"""Where a secret lives is not the secret; a weak password is still a password."""

from datetime import datetime

from airflow import DAG
from airflow.providers.google.cloud.operators.kubernetes_engine import GKEStartPodOperator
from airflow.providers.postgres.operators.postgres import PostgresOperator

VAULT_PATH = "secret/data/prod/warehouse-password"
DOCKER_DB = {"POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "mysecretpassword"}  # <- TP005

with DAG(
    "tp005_names_of_secrets",
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
) as dag:
    GKEStartPodOperator(
        task_id="scrape",
        name="scrape",
        image="scraper:1",
        secret="airflow-gke-restricted-secrets",
        cluster_name="jobs",
        location="europe-west1",
        project_id="data",
    )
    PostgresOperator(task_id="ping", postgres_conn_id="warehouse", sql="SELECT 1")
