# expect: none
"""A loader class the tasks instantiate; its methods do the writes."""

import pandas as pd
from sqlalchemy import create_engine, text


class QuoteLoader:
    def __init__(self, url: str):
        self.engine = create_engine(url)

    def upsert_symbols(self, rows: list[dict]) -> None:
        statement = text("INSERT INTO dim_symbol (symbol) VALUES (:symbol) ON CONFLICT DO NOTHING")
        with self.engine.begin() as conn:
            conn.execute(statement, rows)

    def append_quotes(self, frame: pd.DataFrame) -> None:
        frame.to_sql("fact_quotes", self.engine, if_exists="append", index=False)

    def replace_day(self, frame: pd.DataFrame, day: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM fact_quotes WHERE quote_day = :day"), {"day": day})
            frame.to_sql("fact_quotes", conn, if_exists="append", index=False)
