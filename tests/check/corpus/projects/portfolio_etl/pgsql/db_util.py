# expect: TP003@13, TP003@17, TP005@7
"""Database helpers the DAGs import through sys.path; the engine is only made here, not used."""

import pandas as pd
from sqlalchemy import create_engine

engine = create_engine("postgresql://etl:etl-pass@warehouse:5432/etl")


def load_rates(**context) -> None:
    frame = pd.read_csv("/opt/airflow/data/rates.csv")
    frame["day"] = context["ds"]
    frame.to_sql("rates", engine, if_exists="append", index=False)


def insert_customers(frame: pd.DataFrame, table: str) -> None:
    frame.to_sql(table, engine, if_exists="append", index=False)


def drop_tables() -> None:
    with engine.begin() as conn:
        for name in ("customers", "orders"):
            conn.exec_driver_sql(open(f"/opt/pgsql/drop_{name}.sql").read())
