# expect: TP007@6, TP007@8
"""Airflow 2 imports in a project whose compose file runs Airflow 3."""

import pendulum
from airflow import DAG
from airflow.providers.postgres.operators.postgres import PostgresOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.utils.dates import days_ago

with DAG("legacy_imports", start_date=pendulum.datetime(2024, 1, 1), schedule="@daily"):
    PostgresOperator(task_id="vacuum", sql="VACUUM", postgres_conn_id="warehouse")
    PythonOperator(task_id="noop", python_callable=lambda: days_ago(1))
