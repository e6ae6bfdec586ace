# expect: none
"""Fetches a day of cases; which day, it decides itself."""

from datetime import date

import requests


def fetch_current_cases() -> list:
    day = date.today().isoformat()
    return requests.get(f"https://api.example.org/cases?day={day}", timeout=30).json()


def started_at() -> str:
    return date.today().isoformat()  # only shown in the report's footer
