# expect: TP007@8, TP008@24
"""Prices into a graph: client libraries the image installs, files in the folder compose mounts."""

import os

import duckdb
import neo4j
import polars
import yfinance
from airflow.sdk import dag, task


@dag(schedule=None, catchup=False, max_active_runs=1)
def graph_prices():
    @task
    def load(ds=None):
        frame = yfinance.download("ACME", start=ds, end=ds)
        frame.to_csv(f"/home/workdir/prices_{ds}.csv")
        with duckdb.connect("/home/workdir/prices.duckdb") as db:
            db.execute("select 1")
        auth = (os.environ["GRAPH_USER"], os.environ["GRAPH_PASSWORD"])
        with neo4j.GraphDatabase.driver(os.environ["GRAPH_URI"], auth=auth) as graph:
            graph.verify_connectivity()
        polars.from_pandas(frame).write_csv("/home/analyst/prices.csv")

    load()


graph_prices()
