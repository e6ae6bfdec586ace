# expect: TP001@24
"""Bookkeeping of fetched matches in SQLite."""

import sqlite3
from datetime import datetime


def connect():
    return sqlite3.connect("/opt/airflow/data/matches.db")


def mark_fetched(match_id, batch):
    conn = connect()
    stamp = datetime.now().isoformat()
    conn.execute(
        "UPDATE matches SET fetched = 1, fetched_at = ?, fetched_batch = ? WHERE match_id = ?",
        (stamp, batch, match_id),
    )
    conn.commit()


def expire_stale():
    conn = connect()
    cut = datetime.now().isoformat()
    values = [cut]
    conn.execute("UPDATE matches SET stale = 1 WHERE listed_at < ?", values)
    conn.commit()
