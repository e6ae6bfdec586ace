# expect: none
"""Loads the whole product list again, and the day's orders after emptying another table."""

import pandas as pd

from .tables import ENGINE, truncate_table


def load_products(path):
    frame = pd.read_csv(path)
    truncate_table("dim_products")
    frame.to_sql("dim_products", ENGINE, if_exists="append", index=False)


def load_orders(path):
    frame = pd.read_csv(path)
    truncate_table("dim_products")
    frame.to_sql("fact_orders", ENGINE, if_exists="append", index=False)
