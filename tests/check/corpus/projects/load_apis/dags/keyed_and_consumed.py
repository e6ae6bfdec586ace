# expect: TP003@29, TP003@49
"""Appends a key refuses, and files deleted once loaded, against plain appends."""

import os

import pandas as pd
import pendulum
from airflow.decorators import dag, task
from sqlalchemy import create_engine, text

KEYED = """
CREATE TABLE IF NOT EXISTS listens (
    track VARCHAR(200),
    listened_at VARCHAR(40),
    CONSTRAINT listens_key PRIMARY KEY (listened_at)
)
"""
INBOX = "/opt/airflow/data/inbox"


@dag(schedule="@daily", start_date=pendulum.datetime(2026, 1, 1), catchup=False)
def keyed_and_consumed():
    @task
    def load_listens(rows):
        engine = create_engine(os.environ["WAREHOUSE_URI"])
        frame = pd.DataFrame(rows)
        with engine.begin() as connection:
            connection.execute(text(KEYED))
        frame.to_sql("plays_raw", engine, if_exists="append")  # <- TP003: no key, no guard
        try:
            frame.to_sql("listens", engine, if_exists="append", index=False)
        except Exception:
            print("these listens are stored already")

    @task
    def load_inbox():
        engine = create_engine(os.environ["WAREHOUSE_URI"])
        for name in sorted(os.listdir(INBOX)):
            path = os.path.join(INBOX, name)
            pd.read_csv(path).to_sql("orders", engine, if_exists="append", index=False)
            os.remove(path)

    @task
    def load_archive():
        engine = create_engine(os.environ["WAREHOUSE_URI"])
        for name in sorted(os.listdir(INBOX)):
            frame = pd.read_csv(os.path.join(INBOX, name))
            # <- TP003 below: the files stay, so a rerun loads them again
            frame.to_sql("archive", engine, if_exists="append", index=False)

    load_listens([])
    load_inbox()
    load_archive()


keyed_and_consumed()
