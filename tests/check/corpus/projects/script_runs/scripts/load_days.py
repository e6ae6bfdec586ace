# expect: none
"""Run by the sales DAG: appends only the days after the latest one stored (a watermark)."""

import pandas as pd
from sqlalchemy import create_engine, text


def load_days(engine) -> None:
    days = pd.read_csv("/opt/airflow/data/days.csv", parse_dates=["day"])
    last = pd.read_sql(text("SELECT MAX(day) AS last FROM dim_day"), engine)["last"][0]
    days[days["day"] > last].to_sql("dim_day", engine, if_exists="append", index=False)


if __name__ == "__main__":
    load_days(create_engine("postgresql://warehouse/club"))
