# expect: none
"""Python 3.12 f-string syntax is valid where Airflow runs; it is not a parse failure."""

import pendulum
from airflow.sdk import dag, task

TABLE = {"name": "trips"}


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1))
def tp007_clean_py312_syntax():
    @task
    def greet(conf: dict):
        return f"hello {conf["name"]}"

    # keyword arguments of a call, one after another, with quotes nested in quotes
    greet.override(
        task_id=f"greet_{TABLE['name']}",
        task_display_name=f'Greet "{TABLE['name']}" first',
    )({"name": "world"})
    greet.override(
        task_id=f"greet_again_{TABLE['name']}",
        task_display_name=f'Greet "{TABLE['name']}" again',
    )({"name": "world"})


tp007_clean_py312_syntax()
