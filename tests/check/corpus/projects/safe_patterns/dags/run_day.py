# expect: TP001@22
"""The day a task loads: the run's own date, the clock only when the context has none."""

import pendulum
import requests
from airflow.decorators import dag, task
from airflow.operators.python import get_current_context


def run_day() -> str:
    context = get_current_context()
    day = context.get("logical_date")
    if day is not None:
        return day.to_date_string()
    return pendulum.now("UTC").to_date_string()


def mode_day(mode: str) -> str:
    context = get_current_context()
    if mode == "backfill":
        return context["ds"]
    return pendulum.now("UTC").to_date_string()


@dag(start_date=pendulum.datetime(2024, 1, 1), schedule="@daily", catchup=False)
def run_day_loads():
    @task
    def by_context():
        requests.get("https://shop.example/api/sales", params={"day": run_day()})

    @task
    def by_mode():
        requests.get("https://shop.example/api/sales", params={"day": mode_day("daily")})

    by_context()
    by_mode()


run_day_loads()
