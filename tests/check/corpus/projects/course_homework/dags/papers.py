# expect: TP003@17, TP003@26
"""Loads whose appends live in project code: a local callable calling include/loaders.py, and a
TaskFlow task imported from plugins/ that calls the same loader."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import dag
from airflow.operators.python import PythonOperator
from citation_tasks import load_citations
from loaders import append_chunks

MANUAL = {"start_date": datetime(2024, 1, 1), "schedule_interval": None, "catchup": False}


def load():
    append_chunks("warehouse", "papers.json")


with DAG("papers", max_active_runs=1, **MANUAL):
    PythonOperator(task_id="load", python_callable=load)


@dag(dag_id="citations", max_active_runs=1, **MANUAL)
def citations():
    load_citations()


citations()
