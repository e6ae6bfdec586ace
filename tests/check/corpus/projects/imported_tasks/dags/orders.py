# expect: TP007@20
"""Calling imported @task functions adds tasks; calling the plain helper queries on every parse."""

from datetime import datetime

from airflow.decorators import dag
from include.warehouse_tasks import archive_orders, count_orders, current_regions


@dag(start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False)
def orders():
    count_orders() >> archive_orders()


orders()


@dag(start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False)
def regions():
    for region in current_regions():
        count_orders.override(task_id=f"count_{region}")()


regions()
