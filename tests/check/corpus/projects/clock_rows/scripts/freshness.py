# expect: none
"""Fail when the shop stopped sending orders: a health check, nothing kept."""

from sqlalchemy import create_engine, text

RECENT = "SELECT COUNT(*) FROM shop.orders WHERE placed_at >= NOW() - INTERVAL '2 days'"
TODAY = """
    SELECT customer_id, SUM(total) FROM shop.orders
    WHERE placed_at >= CURRENT_DATE GROUP BY customer_id
"""


def main() -> None:
    engine = create_engine("postgresql://warehouse/shop")
    with engine.connect() as conn:
        if conn.execute(text(RECENT)).scalar() == 0:
            raise SystemExit("no orders in two days")
        rows = conn.execute(text(TODAY)).fetchall()
    print(f"{len(rows)} customers ordered today")


if __name__ == "__main__":
    main()
