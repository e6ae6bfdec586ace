# expect: TP003@19
"""DbApiHook.insert_rows appends; replace=True would have made it an upsert."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.providers.postgres.hooks.postgres import PostgresHook


@dag(schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False)
def tp003_insert_rows_hook():
    @task
    def fetch(data_interval_start=None):
        return [(1, str(data_interval_start))]

    @task
    def store(rows):
        hook = PostgresHook(postgres_conn_id="warehouse")
        hook.insert_rows(table="readings", rows=rows)  # <- TP003

    @task
    def store_upsert(rows):
        hook = PostgresHook(postgres_conn_id="warehouse")
        hook.insert_rows("readings_latest", rows, replace=True, replace_index="id")

    rows = fetch()
    store(rows)
    store_upsert(rows)


tp003_insert_rows_hook()
