# expect: TP003@22
"""Dropping the run's own tables does not guard the fixed metadata table the run appends to."""

from datetime import datetime

from airflow.models import DAG
from airflow.operators.postgres_operator import PostgresOperator

SQL_LOCATION = "/usr/local/airflow/include/sql/"

dag = DAG(
    "model_training",
    default_args={"start_date": datetime(2024, 1, 1)},
    schedule_interval="@monthly",
    catchup=False,
    max_active_runs=1,
    template_searchpath=SQL_LOCATION,
)

train = PostgresOperator(
    task_id="train",
    sql="train.sql",
    postgres_conn_id="warehouse",
    dag=dag,
)
