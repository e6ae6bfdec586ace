# expect: none
"""Task callables: list new matches under a batch id, fetch them, expire old listings."""

from datetime import datetime

from replays.store import expire_stale, mark_fetched


def list_matches(ti, **_):
    batch = f"batch_{datetime.now().strftime('%Y%m%d_%H%M%S')}"
    ti.xcom_push(key="batch", value=batch)


def list_todays_matches(ti, **_):
    day = f"day_{datetime.now().strftime('%Y%m%d')}"
    ti.xcom_push(key="batch", value=day)


def fetch(ti, **_):
    batch = ti.xcom_pull(key="batch")
    for match_id in (1, 2, 3):
        mark_fetched(match_id, batch)


def expire(**_):
    expire_stale()
