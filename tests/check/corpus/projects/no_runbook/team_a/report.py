# expect: none
"""The runbook sits next to this DAG, so the project root does not need one."""

import pendulum
from airflow.decorators import dag, task


@dag(schedule="@weekly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def team_a_report():
    @task
    def build():
        return "ok"

    build()


team_a_report()
