# expect: TP008@8
"""A file on a disk the author's desktop mounts under /media/<user>; /mnt/archive is a volume."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from settings import TRIPS_CSV


def load_trips():
    with open(TRIPS_CSV) as handle:
        return len(handle.read())


with DAG("trips", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="load_trips", python_callable=load_trips)
