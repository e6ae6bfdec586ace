# expect: TP001@13, TP001@15
"""%-formatting into SQL and str.format into a file name, each from its own clock read."""

import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


def export(**_):
    hook = PostgresHook(postgres_conn_id="warehouse")
    query = "SELECT * FROM trips WHERE pickup_day = '%s'" % datetime.date.today()  # <- TP001
    frame = hook.get_pandas_df(query)
    stamp = datetime.datetime.now()  # <- TP001
    frame.to_csv("exports/{}.csv".format(stamp.strftime("%Y%m%d")))


with DAG(
    "tp001_format_and_percent",
    start_date=datetime.datetime(2024, 1, 1),
    schedule_interval=None,
) as dag:
    PythonOperator(task_id="export", python_callable=export)
