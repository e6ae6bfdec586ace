"""TP001 in SQL: the database's clock picks the rows a task moves.

``INSERT INTO warehouse.rates SELECT ... FROM staging.rates WHERE extracted_at > NOW() -
INTERVAL '2 days'`` loads whatever the last two days are when the task happens to run: a
backfill of last month moves this week's rows, a late retry misses some. ``NOW()`` in a ``SET``
or ``VALUES`` list only stamps the row (an audit column) and is not this trap; neither is a
read-only query (a health report).
"""

from __future__ import annotations

import re

from airflow_trap_check import sql
from airflow_trap_check.base import FileContext
from airflow_trap_check.rules.writes import sql_texts

_MOVES_ROWS = frozenset({"append", "upsert", "merge"})
_SELECT_WHERE = re.compile(
    r"\bselect\b.*?\bfrom\b.*?\bwhere\b(?P<where>.*?)"
    r"(?=\bgroup\s+by\b|\border\s+by\b|\bon\s+conflict\b|\bon\s+duplicate\b|\breturning\b|"
    r"\blimit\b|\bwhen\s+(not\s+)?matched\b|\bunion\b|$)"
)
_CLOCK = re.compile(
    r"\b(now|getdate|sysdate|sysdatetime|utc_timestamp|current_timestamp|localtimestamp|"
    r"current_date|curdate|systimestamp)\b\s*(\(\s*\))?"
)


def check(ctx: FileContext) -> None:
    text = ctx.src.text.lower()
    if not _CLOCK.search(text) and ".sql" not in text:
        return  # most files: no clock function in their SQL, nor a .sql file that may hold one
    reported: set[int] = set()
    for unit in ctx.model.units:
        for item in sql_texts(ctx, unit):
            if id(item.node) in reported:
                continue
            for statement in sql.statements(item.text):
                clock = _clock_in_row_filter(statement)
                if clock is None:
                    continue
                reported.add(id(item.node))
                ctx.report(
                    "TP001",
                    item.node,
                    f"the database's clock (`{clock}`) picks the rows this "
                    f"{statement.text.split()[0].upper()} moves into "
                    f"{f'`{statement.table}`' if statement.table else 'its table'}: a retry or "
                    "backfill would move the current window instead of the run's own",
                )
                break


def _clock_in_row_filter(statement: sql.Statement) -> str | None:
    if statement.kind not in _MOVES_ROWS:
        return None
    lowered = statement.text.lower()
    for match in _SELECT_WHERE.finditer(lowered):
        clock = _CLOCK.search(match.group("where"))
        if clock:
            return clock.group(0).upper().replace(" ", "")
    return None
