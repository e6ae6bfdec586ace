# expect: TP002@42
"""One DAG per taxi service, built by a factory from a list of settings dictionaries."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

ZONES = {
    "dag_id": "zones",
    "schedule_interval": "@once",
    "default_args": {"start_date": datetime(2020, 1, 1)},
}
YELLOW = {
    "dag_id": "yellow_monthly",
    "schedule_interval": "0 6 2 * *",
    "default_args": {"owner": "taxi", "start_date": datetime(2020, 1, 1)},
}
GREEN = {
    "dag_id": "green_monthly",
    "schedule_interval": "@monthly",
    "default_args": {"owner": "taxi", "start_date": datetime(2020, 1, 1)},
}
SERVICES = [ZONES, YELLOW, GREEN]


def add_tasks(service: str) -> None:
    BashOperator(
        task_id="ingest",
        bash_command=f"python -m ingest --service {service} --month {{{{ ds[:7] }}}}",
        pool="ingest",
    )


def build(settings: dict) -> DAG:
    with DAG(
        dag_id=settings["dag_id"],
        schedule_interval=settings["schedule_interval"],
        default_args=settings["default_args"],
        max_active_runs=1,
        # the settings say how often, the factory says to run every missed month
        catchup=True,  # <- TP002 for yellow and green, not for the one-off zones DAG
    ) as dag:
        add_tasks(settings["dag_id"])
    return dag


for settings in SERVICES:
    globals()[settings["dag_id"]] = build(settings)
