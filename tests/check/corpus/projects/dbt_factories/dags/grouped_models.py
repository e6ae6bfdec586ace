# expect: TP006@15
"""A task group factory of a project package builds the dbt run task."""

from datetime import datetime

from airflow import DAG
from warehouse.groups import checks_group, transform_group

with DAG(
    "grouped_models",
    start_date=datetime(2024, 5, 1),
    schedule="@daily",
    catchup=False,
):
    transform_group("transform")

with DAG(
    "grouped_checks",
    start_date=datetime(2024, 5, 1),
    schedule="@daily",
    catchup=False,
):
    checks_group("checks")
