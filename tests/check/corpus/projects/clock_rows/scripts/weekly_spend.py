# expect: none
"""Spend per customer over the last week, written for the dashboard."""

import pandas as pd
from sqlalchemy import create_engine, text

SPEND = """
    SELECT customer_id, SUM(total) AS spent
    FROM shop.orders
    WHERE placed_at >= NOW() - INTERVAL '7 days'
    GROUP BY customer_id
"""


def main() -> None:
    engine = create_engine("postgresql://warehouse/shop")
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(text(SPEND)).fetchall(), columns=["customer", "spent"])
    frame.to_csv("/data/weekly_spend.csv", index=False)


if __name__ == "__main__":
    main()
