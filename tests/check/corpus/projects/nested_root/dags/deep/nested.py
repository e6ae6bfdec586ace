# expect: none
"""Deep in the tree; the repository root (the nearest pyproject.toml) has the runbook."""

import pendulum
from airflow.sdk import dag, task


@dag(schedule="@daily", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def nested_root_dag():
    @task
    def hello():
        return "hello"

    hello()


nested_root_dag()
