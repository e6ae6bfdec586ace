# expect: TP007@14, TP007@15, TP007@30
"""Dynamic tasks generated from a database query and an HTTP call made while parsing."""

from datetime import datetime

import psycopg2
import requests
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook

# making the hook only stores its connection id; its query is the parse-time work
hook = PostgresHook(postgres_conn_id="warehouse")
TABLES = [row[0] for row in hook.get_records("SELECT name FROM meta.tables")]  # <- TP007
CONFIG = requests.get("https://config.internal/pipelines.json", timeout=5).json()  # <- TP007


def partitions():
    conn = psycopg2.connect(host="warehouse", dbname="dw")
    with conn.cursor() as cur:
        cur.execute("SELECT key FROM meta.partitions")
        return [r[0] for r in cur.fetchall()]


with DAG(
    "tp007_hooks_and_network",
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
) as dag:
    for name in TABLES + partitions():  # <- TP007
        EmptyOperator(task_id=f"copy_{name}")

if __name__ == "__main__":
    requests.post("https://hooks.internal/test", timeout=5)
    dag.test()
