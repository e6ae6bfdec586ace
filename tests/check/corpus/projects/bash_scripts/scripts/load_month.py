# expect: none
"""Run by the DAG's load task; it never mentions the orchestrator, so only the DAG reaches it."""

import sys

import pandas as pd
from sqlalchemy import create_engine

PASSWORD = "Hunter2Taxi"


def main(month: str) -> None:
    frame = pd.read_parquet(f"/home/ana/data/green_{month}.parquet")
    engine = create_engine(f"postgresql://taxi:{PASSWORD}@db/taxi")
    frame.to_sql("green_trips", engine, if_exists="append")


if __name__ == "__main__":
    main(sys.argv[1])
