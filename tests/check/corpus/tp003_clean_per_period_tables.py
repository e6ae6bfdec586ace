# expect: none
"""Each run loads a table of its own month, so replacing that table is idempotent."""

import pandas as pd
import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook
from sqlalchemy import create_engine

TABLE_TEMPLATE = "yellow_{{ data_interval_start.strftime('%Y_%m') }}"


def load_month(table_name, csv_file, month):
    engine = create_engine(PostgresHook(postgres_conn_id="pg").get_uri())
    chunks = pd.read_csv(csv_file, chunksize=100_000)
    first = next(chunks)
    # the header replaces this month's table; the chunks then fill it
    first.head(0).to_sql(name=table_name, con=engine, if_exists="replace")
    first.to_sql(name=table_name, con=engine, if_exists="append")
    for chunk in chunks:
        chunk.to_sql(name=table_name, con=engine, if_exists="append")


def rebuild_month(month):
    hook = PostgresHook(postgres_conn_id="pg")
    hook.run(f"DROP TABLE IF EXISTS green_{month}")
    hook.run(f"CREATE TABLE green_{month} AS SELECT * FROM green_staged WHERE month = %s", [month])


with DAG(
    "per_month_tables", schedule="@monthly", start_date=pendulum.datetime(2026, 1, 1), catchup=False
):
    PythonOperator(
        task_id="load",
        python_callable=load_month,
        op_kwargs={
            "table_name": TABLE_TEMPLATE,
            "csv_file": "{{ var.value.landing }}/yellow.csv",
            "month": "{{ ds }}",
        },
    )
    PythonOperator(
        task_id="rebuild",
        python_callable=rebuild_month,
        op_kwargs={"month": "{{ data_interval_start.strftime('%Y_%m') }}"},
    )
