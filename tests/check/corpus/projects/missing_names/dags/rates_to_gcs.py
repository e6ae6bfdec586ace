# expect: TP007@7
"""The operator is imported from the package, which does not export it."""

from datetime import datetime

from airflow import DAG
from kit.operators import HttpToGcs

with DAG("rates_to_gcs", start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False):
    HttpToGcs(task_id="rates", endpoint="rates")
