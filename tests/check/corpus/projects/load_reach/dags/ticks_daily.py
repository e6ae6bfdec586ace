# expect: none
"""The same load once a day: the day deleted is the run's own."""

from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def ticks_daily():
    @task
    def load(keys: list[str], ds=None):
        from warehouse.ticks import load_ticks

        load_ticks(keys, ds)

    load(["capture.parquet"])


ticks_daily()
