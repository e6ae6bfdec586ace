# expect: TP002@22, TP007@8, TP007@20
"""An engine made by a helper and connected at import; Airflow 1's re-exported datetime."""

import requests
from airflow import DAG
from airflow.operators.python_operator import PythonOperator
from airflow.utils.dates import datetime, timedelta
from coin_helpers import normalise
from sqlalchemy import create_engine

session = requests.Session()
session.mount("https://", requests.adapters.HTTPAdapter(max_retries=3))


def get_db_engine():
    return create_engine("postgresql://warehouse/coins")


engine = get_db_engine()
connection = engine.connect()

dag = DAG(
    "coin_snapshot",
    default_args={"start_date": datetime(2024, 1, 1)},
    schedule_interval=timedelta(days=1),
)
PythonOperator(task_id="snapshot", python_callable=normalise, dag=dag)
