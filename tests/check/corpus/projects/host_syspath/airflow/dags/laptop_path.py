# expect: TP007@12, TP008@8
"""The repository root is put on sys.path through the author's own checkout, named once."""

import sys
from datetime import datetime

from airflow.decorators import dag, task
CHECKOUT = "/Users/sam/code/sales-etl"
sys.path.append(CHECKOUT)
from shaping import tidy  # noqa: E402 - beside the DAG file: found without the entry

from src.jobs.reshape import reshape  # noqa: E402


@dag(start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False)
def laptop_path():
    @task
    def shape():
        return reshape(tidy([{"price": 2, "quantity": 3}]))

    shape()


laptop_path()
