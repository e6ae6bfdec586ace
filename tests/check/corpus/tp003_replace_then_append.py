# expect: TP003@17
"""The classic course ingest: recreate the table from the first chunk, append the rest."""

import os
from datetime import datetime

import pandas as pd
from airflow import DAG
from airflow.operators.python import PythonOperator
from sqlalchemy import create_engine


def ingest(table, csv_file, execution_date=None, **_):
    engine = create_engine(os.environ["WAREHOUSE_URL"])
    chunks = pd.read_csv(csv_file, iterator=True, chunksize=100_000)
    first = next(chunks)
    first.head(n=0).to_sql(name=table, con=engine, if_exists="replace")  # <- TP003
    first.to_sql(name=table, con=engine, if_exists="append")
    for chunk in chunks:
        chunk.to_sql(name=table, con=engine, if_exists="append")


with DAG(
    "tp003_replace_then_append",
    start_date=datetime(2021, 1, 1),
    schedule_interval="0 6 2 * *",
    catchup=False,
) as dag:
    PythonOperator(
        task_id="ingest",
        python_callable=ingest,
        op_kwargs={
            "table": "yellow_taxi_trips",
            "csv_file": "data/yellow_{{ execution_date.strftime('%Y-%m') }}.csv",
        },
    )
