# expect: none
"""Recently played tracks from a music API."""

from datetime import datetime
import datetime

import requests


def pull_recent_listens(token: str) -> list:
    since = datetime.datetime.now() - datetime.timedelta(days=14)
    after_ms = int(since.timestamp()) * 1000
    url = "https://music.example.com/v1/me/listens?after={ms}".format(ms=after_ms)
    return requests.get(url, headers={"Authorization": token}).json()["items"]


def pull_listens_between(token: str, start: int, end: int) -> list:
    started = datetime.datetime.now()
    url = "https://music.example.com/v1/me/listens?after={a}&before={b}".format(a=start, b=end)
    items = requests.get(url, headers={"Authorization": token}).json()["items"]
    print("took", datetime.datetime.now() - started)
    return items
