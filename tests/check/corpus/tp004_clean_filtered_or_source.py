# expect: none
"""Both fixes for TP004: filter the file to the month, or delete by the source month."""

import os

import pandas as pd
import pendulum
from airflow.sdk import dag, task
from sqlalchemy import create_engine, text


@dag(schedule="@monthly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp004_clean_filtered_or_source():
    @task
    def filtered(data_interval_start=None, data_interval_end=None):
        frame = pd.read_parquet(f"s3://lake/yellow/{data_interval_start:%Y-%m}.parquet")
        in_month = frame[
            (frame.tpep_pickup_datetime >= data_interval_start)
            & (frame.tpep_pickup_datetime < data_interval_end)
        ]
        engine = create_engine(os.environ["WAREHOUSE_URL"])
        with engine.begin() as conn:
            conn.execute(
                text(
                    "DELETE FROM yellow_trips WHERE tpep_pickup_datetime >= :a "
                    "AND tpep_pickup_datetime < :b"
                ),
                {"a": data_interval_start, "b": data_interval_end},
            )
            in_month.to_sql("yellow_trips", conn, if_exists="append", index=False)

    @task
    def by_source(data_interval_start=None):
        month = f"{data_interval_start:%Y-%m}"
        frame = pd.read_parquet(f"s3://lake/green/{month}.parquet")
        frame["source_month"] = month
        engine = create_engine(os.environ["WAREHOUSE_URL"])
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM green_trips WHERE source_month = :m"), {"m": month}
            )
            frame.to_sql("green_trips", conn, if_exists="append", index=False)

    filtered()
    by_source()


tp004_clean_filtered_or_source()
