# expect: none
"""Idempotent loads: delete-then-insert, ON CONFLICT, MERGE, and a staging swap."""

import os

import pandas as pd
import pendulum
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import dag, task
from sqlalchemy import create_engine

DELETE_MONTH = "DELETE FROM raw.trips WHERE source_month = %(month)s"


@dag(schedule="@monthly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp003_clean_idempotent():
    @task
    def delete_then_insert(data_interval_start=None):
        month = data_interval_start.strftime("%Y-%m")
        frame = pd.read_parquet(f"s3://lake/yellow/{month}.parquet")
        frame["source_month"] = month
        engine = create_engine(os.environ["WAREHOUSE_URL"])
        with engine.begin() as conn:
            conn.exec_driver_sql(DELETE_MONTH, {"month": month})
            frame.to_sql("trips", conn, schema="raw", if_exists="append", index=False)

    @task
    def upsert(rows):
        hook = PostgresHook(postgres_conn_id="warehouse")
        hook.run(
            "INSERT INTO dim_vendor (id, name) VALUES (%s, %s) "
            "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name",
            parameters=rows[0],
        )

    @task
    def staging_merge(data_interval_start=None):
        month = data_interval_start.strftime("%Y-%m")
        frame = pd.read_parquet(f"s3://lake/green/{month}.parquet")
        engine = create_engine(os.environ["WAREHOUSE_URL"])
        frame.to_sql("green_stage", engine, if_exists="replace", index=False)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "MERGE INTO raw.green AS t USING green_stage AS s ON t.trip_id = s.trip_id "
                "WHEN NOT MATCHED THEN INSERT VALUES (s.trip_id, s.fare)"
            )

    delete_then_insert()
    upsert([(1, "CMT")])
    staging_merge()


tp003_clean_idempotent()
