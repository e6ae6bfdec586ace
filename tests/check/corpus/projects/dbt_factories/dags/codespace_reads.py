# expect: TP008@14
"""A file read from the author's Codespace workspace; the image's own folder is fine."""

from datetime import datetime

import pandas as pd
from airflow.decorators import dag, task


@dag(start_date=datetime(2024, 5, 1), schedule="@daily", catchup=False)
def codespace_reads():
    @task
    def extract():
        films = pd.read_csv("/workspaces/film-etl/data/films.csv")
        ratings = pd.read_csv("/opt/airflow/data/ratings.csv")
        return len(films) + len(ratings)

    extract()


codespace_reads()
