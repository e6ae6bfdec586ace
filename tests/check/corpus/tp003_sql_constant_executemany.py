# expect: TP003@23
"""INSERT kept in a module constant and run with executemany: nothing clears the month first."""

from datetime import datetime

import pyarrow.parquet as pq
from airflow.decorators import dag, task
from airflow.providers.postgres.hooks.postgres import PostgresHook

INSERT_SQL = """
    INSERT INTO raw.trips (vendor_id, pickup_at, fare)
    VALUES (%s, %s, %s)
"""


@dag(schedule="@monthly", start_date=datetime(2024, 1, 1), catchup=False)
def tp003_sql_constant_executemany():
    @task
    def load(path: str):
        rows = pq.read_table(path).to_pylist()
        conn = PostgresHook(postgres_conn_id="warehouse").get_conn()
        with conn.cursor() as cur:
            cur.executemany(INSERT_SQL, [tuple(r.values()) for r in rows])  # <- TP003
        conn.commit()

    load("{{ data_interval_start | ds }}.parquet")


tp003_sql_constant_executemany()
