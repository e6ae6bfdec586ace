# expect: none
"""Incremental by the target's own high watermark; the clock only seeds the first run."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


def new_listens():
    cursor = PostgresHook("warehouse").get_conn().cursor()
    cursor.execute("SELECT max(added_at) FROM songs")
    since = cursor.fetchone()[0]
    if since is None:
        since = datetime.now() - timedelta(days=365)
    cursor.execute(f"SELECT song_id FROM listens WHERE played_at >= '{since}'")
    return cursor.fetchall()


with DAG("watermark", start_date=datetime(2024, 1, 1), schedule="@hourly", catchup=False):
    PythonOperator(task_id="listens", python_callable=new_listens)
