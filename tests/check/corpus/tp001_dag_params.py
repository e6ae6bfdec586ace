# expect: TP001@15
"""A plain params default from the clock feeds templates; a Param() only pre-fills a form."""

import datetime

from airflow import DAG
from airflow.models.param import Param
from airflow.providers.postgres.operators.postgres import PostgresOperator

with DAG(
    "tp001_dag_params",
    start_date=datetime.datetime(2024, 1, 1),
    schedule_interval=None,
    params={
        "run_date": datetime.date.today().isoformat(),  # <- TP001
        "picked_date": Param(datetime.date.today().isoformat(), type="string", format="date"),
    },
) as dag:
    PostgresOperator(
        task_id="report",
        postgres_conn_id="warehouse",
        sql="SELECT count(*) FROM trips WHERE pickup_date = '{{ params.run_date }}'",
    )
