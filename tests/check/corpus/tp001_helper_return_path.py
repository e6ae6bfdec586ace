# expect: TP001@14
"""The clock hides in a helper's return value and ends up in a file path."""

import os
from datetime import date

import pendulum
from airflow.decorators import dag, task

DATA_DIR = os.environ.get("DATA_DIR", "data")


def current_month():
    first = date.today().replace(day=1)  # <- TP001
    return first.strftime("%Y-%m")


@dag(schedule="@monthly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp001_helper_return_path():
    @task
    def extract():
        target = os.path.join(DATA_DIR, "yellow", current_month() + ".parquet")
        return target

    extract()


tp001_helper_return_path()
