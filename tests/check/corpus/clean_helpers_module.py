# expect: none
"""Not a DAG: helpers imported by DAGs. Parameterised, idempotent, no secrets or host paths."""

from __future__ import annotations


def month_bounds(interval_start, interval_end):
    return interval_start.replace(day=1), interval_end


def delete_month_sql(table: str) -> str:
    return f"DELETE FROM {table} WHERE source_month = %(month)s"


def load_month(cursor, table: str, month: str, rows) -> None:
    cursor.execute(delete_month_sql(table), {"month": month})
    cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s)", rows)
