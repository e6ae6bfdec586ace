# expect: TP003@56
"""Two TaskFlow loads into Snowflake: one reads its high-water mark from the target in an upstream
task and copies only the source rows past it; the other copies the rows past a cut-off that an
upstream task takes from a Variable, which the load does not move, into a table named at run time
(the first DAG's mark, read from another target, does not guard it)."""

from datetime import datetime

import pandas as pd
from airflow.decorators import dag, task
from airflow.models import Variable
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from snowflake.connector.pandas_tools import write_pandas


def build(table, key):
    target = table.upper()

    @task(task_id=f"high_mark_{table}")
    def high_mark():
        cursor = SnowflakeHook(snowflake_conn_id="dw").get_conn().cursor()
        cursor.execute(f"SELECT COALESCE(MAX({key}), 0) FROM RAW.{target}")
        return cursor.fetchone()[0]

    @task(task_id=f"copy_{table}")
    def copy_past(mark):
        engine = PostgresHook(postgres_conn_id="shop").get_sqlalchemy_engine()
        frame = pd.read_sql(
            f"SELECT * FROM {table} WHERE {key} > %(mark)s", engine, params={"mark": mark}
        )
        write_pandas(SnowflakeHook(snowflake_conn_id="dw").get_conn(), frame, table_name=target)

    return copy_past(high_mark())


@dag(schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False, max_active_runs=1)
def shop_to_snowflake():
    for table, key in {"orders": "order_id", "refunds": "refund_id"}.items():
        build(table, key)


shop_to_snowflake()


@dag(schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False, max_active_runs=1)
def clicks_to_snowflake():
    @task
    def cut_off():
        return Variable.get("clicks_cut_off")

    @task
    def copy_clicks(since):
        engine = PostgresHook(postgres_conn_id="shop").get_sqlalchemy_engine()
        frame = pd.read_sql("SELECT * FROM web_events WHERE id > %(since)s", engine, params={"since": since})
        write_pandas(SnowflakeHook(snowflake_conn_id="dw").get_conn(), frame, table_name=Variable.get("clicks_table"))

    copy_clicks(cut_off())


clicks_to_snowflake()
