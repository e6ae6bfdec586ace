# expect: none
"""Deletes by pickup month are safe when the frame is cut to the same month first."""

import os

import pandas as pd
import pendulum
from airflow.sdk import dag, task
from sqlalchemy import create_engine, text

DELETE_MONTH = "DELETE FROM yellow_trips WHERE date_trunc('month', tpep_pickup_datetime) = :m"


@dag(schedule="@monthly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp004_clean_dataframe_month_filters():
    @task
    def by_strftime(data_interval_start=None):
        month = f"{data_interval_start:%Y-%m}"
        frame = pd.read_parquet(f"s3://lake/yellow/{month}.parquet")
        frame = frame[frame["tpep_pickup_datetime"].dt.strftime("%Y-%m").eq(month)]
        with create_engine(os.environ["WAREHOUSE_URL"]).begin() as conn:
            conn.execute(text(DELETE_MONTH), {"m": month})
            frame.to_sql("yellow_trips", conn, if_exists="append", index=False)

    @task
    def by_period(data_interval_start=None):
        month = f"{data_interval_start:%Y-%m}"
        frame = pd.read_parquet(f"s3://lake/yellow/{month}.parquet")
        frame = frame[frame.tpep_pickup_datetime.dt.to_period("M") == month]
        with create_engine(os.environ["WAREHOUSE_URL"]).begin() as conn:
            conn.execute(text(DELETE_MONTH), {"m": month})
            frame.to_sql("yellow_trips", conn, if_exists="append", index=False)

    @task
    def by_year_and_month(data_interval_start=None):
        month = f"{data_interval_start:%Y-%m}"
        frame = pd.read_parquet(f"s3://lake/yellow/{month}.parquet")
        pickup = frame["tpep_pickup_datetime"]
        frame = frame[
            (pickup.dt.year == data_interval_start.year)
            & (pickup.dt.month == data_interval_start.month)
        ]
        with create_engine(os.environ["WAREHOUSE_URL"]).begin() as conn:
            conn.execute(text(DELETE_MONTH), {"m": month})
            frame.to_sql("yellow_trips", conn, if_exists="append", index=False)

    @task
    def by_between(data_interval_start=None, data_interval_end=None):
        frame = pd.read_parquet(f"s3://lake/yellow/{data_interval_start:%Y-%m}.parquet")
        frame = frame[
            frame["tpep_pickup_datetime"].between(
                data_interval_start, data_interval_end, inclusive="left"
            )
        ]
        with create_engine(os.environ["WAREHOUSE_URL"]).begin() as conn:
            conn.execute(text(DELETE_MONTH), {"m": f"{data_interval_start:%Y-%m}"})
            frame.to_sql("yellow_trips", conn, if_exists="append", index=False)

    by_strftime()
    by_period()
    by_year_and_month()
    by_between()


tp004_clean_dataframe_month_filters()
