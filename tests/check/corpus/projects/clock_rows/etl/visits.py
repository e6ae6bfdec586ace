# expect: none
"""Synthetic clinic visits for the demo warehouse."""

import random
from datetime import datetime, timedelta


def make_visits(count: int) -> list[dict]:
    rows = []
    for number in range(count):
        begins = datetime.utcnow() - timedelta(hours=random.randint(0, 48))
        rows.append(
            {
                "visit_id": number,
                "visit_start_utc": begins,
                "loaded_at": datetime.utcnow(),
            }
        )
    return rows


def make_audit_rows(count: int) -> list[dict]:
    return [{"row": n, "created_at": datetime.utcnow()} for n in range(count)]
