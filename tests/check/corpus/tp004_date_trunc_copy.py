# expect: TP004@14
"""date_trunc('month', pickup) scopes the delete; COPY re-inserts every row of the file."""

import pendulum
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import dag, task


@dag(schedule="@monthly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp004_date_trunc_copy():
    @task
    def reload(path: str, logical_date=None):
        month = logical_date.strftime("%Y-%m-01")
        delete = f"""  -- <- TP004
            DELETE FROM green_trips
            WHERE date_trunc('month', lpep_pickup_datetime) = '{month}'
        """
        hook = PostgresHook(postgres_conn_id="warehouse")
        hook.run(delete)
        hook.copy_expert("COPY green_trips FROM STDIN WITH (FORMAT csv, HEADER)", path)

    reload("green.csv")


tp004_date_trunc_copy()
