# expect: none
"""The task runs project code that uses a vendored library; the library is not project code."""

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator
from scraping.pages import fetch_listing

with DAG(
    "scrape_listing",
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):
    PythonOperator(task_id="fetch", python_callable=fetch_listing)
