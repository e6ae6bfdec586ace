# expect: TP005@8, TP007@9, TP008@9
"""The DAG file is clean; what its imports reach is not, and is reported at each import."""

import pendulum
from airflow.sdk import DAG, task
from clean_loader import load

from common.db import warehouse_password
from taxi_helpers import download_month

with DAG(
    "imported_helpers",
    start_date=pendulum.datetime(2024, 1, 1),
    schedule="@monthly",
    catchup=False,
    max_active_runs=1,
):

    @task
    def fetch(data_interval_start=None):
        return download_month(data_interval_start.strftime("%Y-%m"))

    @task
    def store(path):
        return load(path), warehouse_password()

    store(fetch())
