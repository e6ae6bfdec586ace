# expect: TP006@22, TP007@6
from datetime import datetime

import duckdb
from warehouse_tables import TABLES
from quackframes import DataFrame

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.docker.operators.docker import DockerOperator

DBT_IMAGE = "acme/dbt-warehouse:1.8"


def count_rows():
    with duckdb.connect("/opt/airflow/data/wh.duckdb") as con:
        return {t: con.sql(f"select count(*) from {t}").fetchone() for t in TABLES}


with DAG("warehouse_build", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    counted = PythonOperator(task_id="count_rows", python_callable=count_rows)
    models = DockerOperator(task_id="dbt_models", image=DBT_IMAGE, command="run --target prod")
    checks = DockerOperator(task_id="dbt_checks", image=DBT_IMAGE, command="test --target prod")
    counted >> models >> checks
    DataFrame()
