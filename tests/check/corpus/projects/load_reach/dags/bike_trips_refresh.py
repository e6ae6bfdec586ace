# expect: none
"""The same staging load, emptied first by a task of the DAG (TRUNCATE ... IF EXISTS)."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

with DAG("bike_trips_refresh", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    empty = SQLExecuteQueryOperator(
        task_id="empty_staging",
        conn_id="warehouse",
        sql="TRUNCATE TABLE IF EXISTS public.stg_trips",
    )
    copy = BashOperator(
        task_id="copy_trips",
        bash_command="python /opt/airflow/scripts/copy_trips.py",
    )
    empty >> copy
