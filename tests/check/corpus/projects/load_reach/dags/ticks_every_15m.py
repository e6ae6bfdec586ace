# expect: TP003@16
"""Every 15 minutes, the run deletes its whole day and copies only its own capture."""

from datetime import datetime, timedelta

from airflow.decorators import dag, task


@dag(schedule=timedelta(minutes=15), start_date=datetime(2024, 1, 1), catchup=False)
def ticks_every_15m():
    @task
    def load(keys: list[str], ds=None):
        from warehouse.ticks import load_ticks

        # TP003: the day's earlier runs are deleted by each later one
        load_ticks(keys, ds)

    load(["capture.parquet"])


ticks_every_15m()
