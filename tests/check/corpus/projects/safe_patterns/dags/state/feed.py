# expect: none
"""Pulls the orders changed since the kept position; the clock only seeds the first pull."""

from datetime import datetime, timedelta

import requests

from .position import read_position, save_position


def pull_changes(key):
    first = (datetime.utcnow() - timedelta(days=30)).isoformat()
    since = read_position(key, first)
    rows = requests.get("https://shop.example/api/orders", params={"since": since}).json()
    if rows:
        save_position(key, max(row["updated_at"] for row in rows))
    return len(rows)
