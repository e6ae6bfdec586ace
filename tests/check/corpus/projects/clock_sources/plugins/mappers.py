# expect: none
"""Turns API carts into order rows."""

from datetime import date, datetime, timedelta


def map_orders(carts: list) -> list:
    rows = []
    for cart in carts:
        placed = date.today() - timedelta(days=cart["age"])
        rows.append({"order_id": cart["id"], "order_date": placed})
    return rows


def map_customers(users: list) -> list:
    return [{"customer_id": u["id"], "loaded_at": datetime.now()} for u in users]
