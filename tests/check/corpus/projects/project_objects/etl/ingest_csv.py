# expect: TP005@10, TP007@12
"""Ingestion code outside the Airflow folders, found through the helper's sys.path entry."""

import os

import pandas as pd
from airflow.models import Variable
from sqlalchemy import create_engine

PASSWORD = os.getenv("SALES_DB_PASSWORD", "sales-secret")
# parse-time work of its own, but only a task that runs ingest_if_empty imports this module
BUCKET = Variable.get("sales_bucket")


def ingest(path: str) -> int:
    engine = create_engine(f"postgresql://sales:{PASSWORD}@db/sales")
    frame = pd.read_csv(path)
    frame.to_sql("raw_sales", engine, if_exists="replace", index=False)
    return len(frame)
