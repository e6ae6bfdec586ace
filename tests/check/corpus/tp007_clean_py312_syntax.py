# expect: none
"""Python 3.12 f-string syntax is valid where Airflow runs; it is not a parse failure."""

import pendulum
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1))
def tp007_clean_py312_syntax():
    @task
    def greet(conf: dict):
        return f"hello {conf["name"]}"

    greet({"name": "world"})


tp007_clean_py312_syntax()
