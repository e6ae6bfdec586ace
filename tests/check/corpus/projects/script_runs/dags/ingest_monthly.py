# expect: none
"""Imported by the monthly DAG: replaces the table with the file it is given."""

import pandas as pd
from sqlalchemy import create_engine


def load_file(table_name: str, parquet_file: str) -> None:
    engine = create_engine("postgresql://warehouse/club")
    frame = pd.read_parquet(parquet_file)
    frame.to_sql(name=table_name, con=engine, if_exists="replace", index=False)
