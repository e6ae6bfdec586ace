# expect: none
"""A full refresh of every station file: the table is rebuilt from the whole source on each run,
and the date column's format is not a period the run loads."""

import pandas as pd
import pendulum
from airflow.decorators import dag, task
from airflow.providers.postgres.hooks.postgres import PostgresHook


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def weather_refresh():
    @task
    def load(files):
        frame = pd.concat(pd.read_csv(path) for path in files)
        frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
        engine = PostgresHook("weather").get_sqlalchemy_engine()
        frame.to_sql("weather_data", engine, if_exists="replace", index=False)

    load(["stations/a.csv.gz", "stations/b.csv.gz"])


weather_refresh()
