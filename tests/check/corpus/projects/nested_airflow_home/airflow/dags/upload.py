# expect: TP008@6
"""Airflow puts the plugins folder beside the dags folder on sys.path: the import resolves."""

import pendulum
from airflow.sdk import dag, task
from gcs_helpers import fetch


@dag(start_date=pendulum.datetime(2024, 1, 1), schedule=None, catchup=False)
def upload():
    @task
    def download():
        return fetch("https://example.com/zones.csv", "zones.csv")

    download()


upload()
