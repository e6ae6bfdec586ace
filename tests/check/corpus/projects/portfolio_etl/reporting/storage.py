# expect: none
"""Writes a day's report; the day is whatever the caller passes."""

from reporting.db import execute_non_query


def save_report(rows: list, day: str) -> None:
    execute_non_query(f"DELETE FROM reports WHERE report_day = '{day}'")
    for row in rows:
        execute_non_query("INSERT INTO reports VALUES (%s, %s)", (day, row))
