# expect: none
"""A BigQuery load job that appends the week handed to it."""

import pandas as pd
from google.cloud import bigquery


def append_week(week: str) -> None:
    client = bigquery.Client()
    frame = pd.read_parquet(f"gs://rides/week={week}/rides.parquet")
    config = bigquery.LoadJobConfig(write_disposition="WRITE_APPEND")
    client.load_table_from_dataframe(frame, "analytics.rides", job_config=config).result()
