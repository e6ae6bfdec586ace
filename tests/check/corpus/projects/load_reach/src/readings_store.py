# expect: none
"""Streams rows into BigQuery: nothing is removed first."""

from google.cloud import bigquery


def insert_readings(rows: list[dict]) -> None:
    errors = bigquery.Client().insert_rows_json("lake.readings", rows)
    if errors:
        raise RuntimeError(errors)
