# expect: TP005@14, TP005@26
"""Credentials inside a SQLAlchemy URL and a psql command line."""

from datetime import datetime

import pandas as pd
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator
from sqlalchemy import create_engine


def load(**_):
    engine = create_engine("postgresql+psycopg2://airflow:airflow@postgres:5432/airflow")  # <- TP005
    pd.DataFrame({"a": [1]}).to_sql("t", engine, if_exists="fail")


with DAG(
    "tp005_connection_uri",
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
) as dag:
    PythonOperator(task_id="load", python_callable=load)
    BashOperator(
        task_id="vacuum",
        bash_command="psql 'postgresql://admin:Sup3rS3cret@db.internal:5432/dw' -c 'VACUUM'",  # <- TP005
    )
