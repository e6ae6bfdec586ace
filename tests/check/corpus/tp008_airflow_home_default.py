# expect: TP008@19
"""~/airflow as the fallback of AIRFLOW_HOME is Airflow's own rule; another home path is not."""

import os
from pathlib import Path

import pendulum
from airflow.sdk import dag, task

AIRFLOW_HOME = Path(os.environ.get("AIRFLOW_HOME") or Path("~/airflow").expanduser())
WORK_DIR = os.path.expanduser(os.getenv("AIRFLOW_HOME", "~/airflow"))


@dag(start_date=pendulum.datetime(2024, 1, 1), schedule=None, catchup=False)
def home_paths():
    @task
    def write(data_interval_start=None):
        month = data_interval_start.strftime("%Y-%m")
        return AIRFLOW_HOME / WORK_DIR / month, f"~/scratch/{month}.csv"

    write()


home_paths()
