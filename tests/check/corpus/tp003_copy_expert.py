# expect: TP003@15
"""COPY ... FROM STDIN through psycopg2: a retry copies the file a second time."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


def copy_month(path, **_):
    conn = PostgresHook(postgres_conn_id="warehouse").get_conn()
    with conn.cursor() as cur, open(path) as handle:
        cur.copy_expert(
            "COPY raw.trips FROM STDIN WITH CSV HEADER",  # <- TP003
            handle,
        )
    conn.commit()


with DAG(
    "tp003_copy_expert",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@monthly",
    catchup=False,
) as dag:
    PythonOperator(
        task_id="copy_month",
        python_callable=copy_month,
        op_kwargs={"path": "data/{{ ds }}.csv"},
    )
