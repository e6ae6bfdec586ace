# expect: TP003@33
"""An append that starts after the high-water mark it reads from its own target is a rerun-safe
watermark load; one that reads the mark from another table is not."""

import pandas as pd
import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.mysql.hooks.mysql import MySqlHook


def latest(engine, table, column):
    query = "SELECT MAX({}) AS latest FROM {}".format(column, table)
    return pd.read_sql(query, engine).loc[0, "latest"]


def extend_dim_date(**context):
    engine = MySqlHook(mysql_conn_id="dw").get_sqlalchemy_engine()
    start = latest(engine, "dim_date", "date") + pd.Timedelta(days=1)
    end = context["data_interval_end"].date()
    frame = pd.DataFrame({"date": pd.date_range(start, end)})
    # a rerun finds its dates already there and appends nothing
    frame.to_sql("dim_date", engine, if_exists="append", index=False)


def copy_sales(**context):
    engine = MySqlHook(mysql_conn_id="dw").get_sqlalchemy_engine()
    # the mark comes from the source, not from the table appended to
    since = latest(engine, "raw_sales", "sold_at")
    frame = pd.read_sql(
        "SELECT * FROM raw_sales WHERE sold_at >= %(since)s", engine, params={"since": since}
    )
    frame.to_sql("fact_sales", engine, if_exists="append", index=False)  # <- TP003


with DAG(
    "watermarks", schedule="@daily", start_date=pendulum.datetime(2026, 1, 1), catchup=False
):
    PythonOperator(task_id="extend_dim_date", python_callable=extend_dim_date)
    PythonOperator(task_id="copy_sales", python_callable=copy_sales)
