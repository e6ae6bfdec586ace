# expect: TP001@14
"""A pandas clock reading used as the cut-off of a DataFrame filter."""

import pandas as pd
from airflow.decorators import dag, task
from pendulum import datetime


@dag(schedule="@weekly", start_date=datetime(2024, 1, 1), catchup=False)
def tp001_dataframe_filter():
    @task
    def recent(path: str):
        df = pd.read_parquet(path)
        cutoff = pd.Timestamp.now() - pd.Timedelta(days=7)  # <- TP001
        recent_rows = df[df["tpep_pickup_datetime"] >= cutoff]
        return len(recent_rows)

    recent("s3://lake/trips.parquet")


tp001_dataframe_filter()
