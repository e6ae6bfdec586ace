# expect: TP001@13
"""pendulum's clock used in a WHERE clause; the audit column beside it is fine."""

import pendulum
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import dag, task


@dag(schedule="@daily", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp001_pendulum_sql_where():
    @task
    def summarise():
        day = pendulum.now("UTC").subtract(days=1).to_date_string()  # <- TP001
        loaded_at = pendulum.now("UTC")
        hook = PostgresHook(postgres_conn_id="warehouse")
        rows = hook.get_records(f"SELECT count(*) FROM trips WHERE pickup_date = '{day}'")
        hook.run(f"INSERT INTO run_audit (loaded_at, n) VALUES ('{loaded_at}', {rows[0][0]})")

    summarise()


tp001_pendulum_sql_where()
