# expect: none
"""A careful Airflow 2 DAG: templated SQL with MERGE, connections by id, catchup off."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.providers.postgres.operators.postgres import PostgresOperator

MERGE_DAY = """
MERGE INTO marts.daily AS t
USING (SELECT pickup_date, count(*) AS trips FROM raw.trips
       WHERE pickup_date = '{{ ds }}' GROUP BY 1) AS s
ON t.day = s.pickup_date
WHEN MATCHED THEN UPDATE SET trips = s.trips
WHEN NOT MATCHED THEN INSERT (day, trips) VALUES (s.pickup_date, s.trips)
"""

default_args = {"owner": "analytics", "retries": 1, "retry_delay": timedelta(minutes=5)}

with DAG(
    dag_id="clean_classic_airflow2",
    default_args=default_args,
    start_date=datetime(2023, 1, 1),
    schedule_interval="@daily",
    catchup=False,
    max_active_runs=1,
) as dag:
    start = EmptyOperator(task_id="start")
    merge = PostgresOperator(task_id="merge_day", postgres_conn_id="warehouse", sql=MERGE_DAY)
    start >> merge
