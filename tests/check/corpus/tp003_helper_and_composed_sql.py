# expect: TP003@19
"""A project helper keeps to_sql's if_exists; psycopg's composed SQL names a scratch table."""

from datetime import datetime

import pandas as pd
from airflow.decorators import dag, task
from airflow.providers.postgres.hooks.postgres import PostgresHook
from psycopg2 import sql

from pipelines.db import load_df_to_pg


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def tp003_helper_and_composed_sql():
    @task
    def load_feed(path: str):
        frame = pd.read_json(path)
        load_df_to_pg(frame, schema_name="lake", table_name="feed", if_exists="append")  # <- TP003

    @task
    def stage_rows(rows):
        statement = sql.SQL("INSERT INTO {table} (id, value) VALUES %s").format(
            table=sql.Identifier("feed_tmp")
        )
        with PostgresHook(postgres_conn_id="warehouse").get_conn() as conn, conn.cursor() as cur:
            cur.execute(statement, (tuple(rows),))

    load_feed("feed.json")
    stage_rows([1, 2])


tp003_helper_and_composed_sql()
