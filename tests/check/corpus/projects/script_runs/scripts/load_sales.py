# expect: TP003@12
"""Run by the sales DAG: numbers the new sales after the largest key, then appends them."""

import pandas as pd
from sqlalchemy import create_engine, text


def load_sales(engine) -> None:
    sales = pd.read_csv("/opt/airflow/data/sales.csv")
    top = pd.read_sql(text("SELECT MAX(sale_key) AS top FROM fact_sales"), engine)["top"][0]
    sales["sale_key"] = range(top + 1, top + 1 + len(sales))
    sales.to_sql("fact_sales", engine, if_exists="append", index=False)


if __name__ == "__main__":
    load_sales(create_engine("postgresql://warehouse/club"))
