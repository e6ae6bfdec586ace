# expect: TP004@20
"""DELETE by pickup time range, then the whole monthly file goes back in unfiltered."""

import os
from datetime import datetime

import pandas as pd
from airflow import DAG
from airflow.operators.python import PythonOperator
from sqlalchemy import create_engine, text


def load_month(data_interval_start=None, data_interval_end=None, **_):
    month = data_interval_start.strftime("%Y-%m")
    frame = pd.read_parquet(f"https://d37ci6vzurychx.cloudfront.net/trip-data/yellow_tripdata_{month}.parquet")
    engine = create_engine(os.environ["WAREHOUSE_URL"])
    with engine.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM yellow_trips "  # <- TP004
                "WHERE tpep_pickup_datetime >= :start AND tpep_pickup_datetime < :end"
            ),
            {"start": data_interval_start, "end": data_interval_end},
        )
        frame.to_sql("yellow_trips", conn, if_exists="append", index=False)


with DAG(
    "tp004_pickup_range_delete",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@monthly",
    catchup=False,
) as dag:
    PythonOperator(task_id="load_month", python_callable=load_month)
