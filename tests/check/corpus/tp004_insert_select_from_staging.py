# expect: TP004@19
"""COPY into staging, delete the month by pickup time, move everything across unfiltered."""

import pendulum
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import dag, task

MOVE = "INSERT INTO raw.trips SELECT * FROM raw.trips_staging"


@dag(schedule="@monthly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp004_insert_select_from_staging():
    @task
    def load(path: str, data_interval_start=None, data_interval_end=None):
        hook = PostgresHook(postgres_conn_id="warehouse")
        hook.run("TRUNCATE raw.trips_staging")
        hook.copy_expert("COPY raw.trips_staging FROM STDIN WITH CSV HEADER", path)
        hook.run(
            "DELETE FROM raw.trips WHERE pickup_datetime >= %s AND pickup_datetime < %s",  # <- TP004
            parameters=(data_interval_start, data_interval_end),
        )
        hook.run(MOVE)

    @task
    def load_filtered(path: str, data_interval_start=None, data_interval_end=None):
        hook = PostgresHook(postgres_conn_id="warehouse")
        hook.copy_expert("COPY raw.green_staging FROM STDIN WITH CSV HEADER", path)
        hook.run(
            "DELETE FROM raw.green WHERE pickup_datetime >= %(a)s AND pickup_datetime < %(b)s; "
            "INSERT INTO raw.green SELECT * FROM raw.green_staging "
            "WHERE pickup_datetime >= %(a)s AND pickup_datetime < %(b)s",
            parameters={"a": data_interval_start, "b": data_interval_end},
        )

    load("yellow.csv")
    load_filtered("green.csv")


tp004_insert_select_from_staging()
