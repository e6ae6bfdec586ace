# expect: TP007@8
"""The folder the helper's import needs is added to sys.path two lines after the import."""

import sys
from datetime import datetime

from airflow.decorators import dag, task
from rates_steps import run_rates

from shared.units import to_cents

sys.path.append("/opt/airflow/pipeline")


@dag(start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False)
def rates():
    @task
    def load():
        return {k: to_cents(v) for k, v in run_rates().items()}

    load()


rates()
