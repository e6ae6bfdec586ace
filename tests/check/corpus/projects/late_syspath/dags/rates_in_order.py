# expect: none
"""The same imports after the sys.path entry: they resolve."""

import sys
from datetime import datetime

from airflow.decorators import dag, task

sys.path.append("/opt/airflow/pipeline")

from rates_steps import run_rates  # noqa: E402


@dag(start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False)
def rates_in_order():
    @task
    def load():
        return run_rates()

    load()


rates_in_order()
