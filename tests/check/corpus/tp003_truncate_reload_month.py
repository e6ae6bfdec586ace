# expect: TP003@19
"""TRUNCATE then reload one month: idempotent, but every run wipes all the other months."""

from datetime import datetime

from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

with DAG(
    "tp003_truncate_reload_month",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@monthly",
    catchup=False,
) as dag:
    SQLExecuteQueryOperator(
        task_id="reload_month",
        conn_id="warehouse",
        sql=[
            "TRUNCATE TABLE marts.monthly_revenue",  # <- TP003
            "INSERT INTO marts.monthly_revenue SELECT vendor_id, sum(fare) FROM raw.trips "
            "WHERE date_trunc('month', pickup_at) = '{{ ds }}' GROUP BY 1",
        ],
    )
    SQLExecuteQueryOperator(
        task_id="drop_scratch",
        conn_id="warehouse",
        sql="DROP TABLE IF EXISTS marts.revenue_{{ ds_nodash }}",
    )
