# expect: TP001@17, TP001@20
"""Lists new matches, fetches them and expires old listings."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from replays.tasks import expire, fetch, list_matches, list_todays_matches

with DAG(
    "match_replays",
    start_date=datetime(2024, 1, 1),
    schedule="@hourly",
    catchup=False,
    max_active_runs=1,
):
    today = PythonOperator(task_id="list_todays", python_callable=list_todays_matches)
    listed = PythonOperator(task_id="list", python_callable=list_matches)
    fetched = PythonOperator(task_id="fetch", python_callable=fetch)
    expired = PythonOperator(task_id="expire", python_callable=expire)
    today >> listed >> fetched >> expired
