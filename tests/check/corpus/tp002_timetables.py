# expect: TP002@13
"""A cron trigger timetable with catchup on; a run-once DAG has nothing to catch up."""

from datetime import datetime

from airflow.sdk import DAG, CronTriggerTimetable
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG(
    "tp002_hourly_timetable",
    schedule=CronTriggerTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2024, 6, 1),
    catchup=True,  # <- TP002
):
    EmptyOperator(task_id="noop")

with DAG("tp002_once", schedule="@once", start_date=datetime(2020, 1, 1), catchup=True):
    EmptyOperator(task_id="noop")
