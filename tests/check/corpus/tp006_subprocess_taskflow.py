# expect: TP006@12
"""dbt through subprocess inside a TaskFlow task."""

import subprocess

import pendulum
from airflow.sdk import dag, task


@dag(schedule="@hourly", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp006_subprocess_taskflow():
    @task  # <- TP006
    def run_models():
        subprocess.run(["dbt", "run", "--select", "tag:hourly"], check=True)

    run_models()


tp006_subprocess_taskflow()
