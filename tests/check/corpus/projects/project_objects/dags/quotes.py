# expect: TP003@22
"""Daily quotes: the load task makes a loader object and calls its methods."""

from datetime import datetime

import pandas as pd
from airflow import DAG
from airflow.operators.python import PythonOperator
from warehouse.loader import QuoteLoader

WAREHOUSE = "{{ conn.warehouse.get_uri() }}"


def fetch() -> pd.DataFrame:
    return pd.DataFrame({"symbol": ["ABC"], "price": [1.0]})


def load_quotes():
    frame = fetch()
    loader = QuoteLoader(WAREHOUSE)
    loader.upsert_symbols([{"symbol": "ABC"}])
    loader.append_quotes(frame)


def reload_day(ds=None):
    loader = QuoteLoader(WAREHOUSE)
    loader.replace_day(fetch(), ds)


with DAG("quotes", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="load_quotes", python_callable=load_quotes)
    PythonOperator(task_id="reload_day", python_callable=reload_day)
