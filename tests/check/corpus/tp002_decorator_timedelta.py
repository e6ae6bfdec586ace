# expect: TP002@15
"""@dag with a timedelta schedule, the start date in a constant, catchup explicitly on."""

from datetime import timedelta

import pendulum
from airflow.decorators import dag, task

START = pendulum.datetime(2023, 6, 1, tz="Europe/Amsterdam")


@dag(
    schedule=timedelta(hours=6),
    start_date=START,
    catchup=True,  # <- TP002
    tags=["example"],
)
def tp002_decorator_timedelta():
    @task
    def ping():
        return "pong"

    ping()


tp002_decorator_timedelta()
