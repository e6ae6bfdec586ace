# expect: none
"""Imported from its submodule, the package's submodule by name, or a lazy module: all fine."""

from datetime import datetime

from airflow import DAG
from kit import operators
from kit.lazy import HttpToGcs as LazyHttpToGcs
from kit.operators.http_to_gcs import HttpToGcs

with DAG("rates_to_gcs_fixed", start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False):
    HttpToGcs(task_id="rates", endpoint="rates") >> LazyHttpToGcs(task_id="fx", endpoint="fx")
    operators.http_to_gcs.HttpToGcs(task_id="more", endpoint="more")
