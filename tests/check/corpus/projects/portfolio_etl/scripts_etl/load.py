# expect: TP003@11, TP005@6
import os

import psycopg2

PASSWORD = os.getenv("DB_PASSWORD", "airflow")


def save(rows: list) -> None:
    with psycopg2.connect(host="db", user="etl", password=PASSWORD) as conn:
        conn.cursor().executemany("insert into events values (%s)", rows)
