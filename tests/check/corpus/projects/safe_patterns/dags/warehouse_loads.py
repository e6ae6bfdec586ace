# expect: TP003@20, TP003@27
"""Snowflake COPY INTO skips files it already loaded unless forced; a helper empties a table."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.snowflake.operators.snowflake import SnowflakeOperator
from state.loaders import load_orders, load_products

with DAG("warehouse_loads", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    SnowflakeOperator(
        task_id="copy_trips",
        snowflake_conn_id="snowflake",
        sql="copy into trips from @raw_stage/trips/ file_format = (type = parquet)",
    )
    SnowflakeOperator(
        task_id="copy_trips_again",
        snowflake_conn_id="snowflake",
        sql="copy into trips_forced from @raw_stage/trips/ file_format = (type = parquet) force = true",
    )
    PythonOperator(
        task_id="products",
        python_callable=load_products,
        op_args=["/opt/airflow/data/products.csv"],
    )
    PythonOperator(
        task_id="orders",
        python_callable=load_orders,
        op_args=["/opt/airflow/data/orders.csv"],
    )
