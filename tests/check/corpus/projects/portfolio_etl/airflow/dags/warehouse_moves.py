# expect: TP001@22
"""Rows moved from staging by the database's clock; NOW() that only stamps a row is fine."""

from datetime import datetime

from airflow import DAG
from airflow.providers.postgres.operators.postgres import PostgresOperator

MOVE_RECENT = """
    INSERT INTO warehouse.rates (base, target, rate, loaded_at)
    SELECT base, target, rate, NOW() FROM staging.rates
    WHERE extracted_at > NOW() - INTERVAL '2 days'
    ON CONFLICT (base, target) DO UPDATE SET rate = EXCLUDED.rate, loaded_at = NOW();
"""
STAMP = """
    INSERT INTO warehouse.runs (finished_at) SELECT NOW() WHERE NOT EXISTS (SELECT 1)
"""

with DAG(
    "warehouse_moves", start_date=datetime(2024, 1, 1), schedule_interval="@daily", catchup=False
):
    PostgresOperator(task_id="move", postgres_conn_id="warehouse", sql=MOVE_RECENT)
    PostgresOperator(task_id="stamp", postgres_conn_id="warehouse", sql=STAMP)
