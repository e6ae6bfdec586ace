# expect: none
"""Date helpers."""

from datetime import date, datetime, timedelta

import requests


def previous_month() -> str:
    return (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def extract_recent() -> list:
    since = datetime.now() - timedelta(days=1)
    return requests.get(f"https://api.example.org/plays?after={since:%s}", timeout=30).json()
