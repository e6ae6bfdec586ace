# expect: TP007@8
"""Importing the plays helper imports the session module, which logs in at import."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from music.plays import recent_plays
from music.settings import SETTINGS

with DAG("plays", start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="plays", python_callable=recent_plays, op_args=[SETTINGS.market])
