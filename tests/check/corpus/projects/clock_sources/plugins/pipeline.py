# expect: none
"""Order and customer loads the DAG runs."""

from plugins.mappers import map_customers, map_orders


def run_orders(carts: list) -> int:
    rows = map_orders(carts)
    return len(rows)


def run_customers(users: list) -> int:
    rows = map_customers(users)
    return len(rows)
