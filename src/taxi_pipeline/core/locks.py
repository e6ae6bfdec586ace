"""Bounded waits for the strong locks the pipeline takes on relations that other people read.

A statement that needs an ACCESS EXCLUSIVE lock queues behind every session holding any lock on
the relation (an analyst's transaction left idle after a select, a BI tool), and while it queues,
every later reader of the relation queues behind it: one idle session would stall everyone. So
no such statement waits longer than ``LockWait.timeout_s`` (PostgreSQL's ``lock_timeout``): it
gives up, which lets the queued readers through, and the try runs again with backoff until
``LockWait.retry_s`` have passed; then it fails as ``WarehouseBusy``, naming the sessions in the
way and what to do about them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from taxi_pipeline.core import sqlfile
from taxi_pipeline.core.connection import WarehouseConnection
from taxi_pipeline.core.errors import WarehouseBusy
from taxi_pipeline.core.settings import LockWait

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

T = TypeVar("T")
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
# What PostgreSQL says when a statement gives up waiting for a lock (SQLSTATE 55P03).
LOCK_TIMEOUT_MARKER = "canceling statement due to lock timeout"


class LockWaitExpired(Exception):
    """A statement gave up waiting for a lock (``lock_timeout``); the try may run again."""


@dataclass(frozen=True)
class LockHolder:
    """A session holding a lock that the pipeline waited for."""

    pid: int
    application_name: str
    user: str
    state: str
    state_since: datetime | None
    transaction_since: datetime | None
    relation: str
    mode: str

    def describe(self) -> str:
        state = self.state or "state unknown"
        if self.state_since:
            state += f" since {_when(self.state_since)}"
        opened = f", transaction open since {_when(self.transaction_since)}"
        return (
            f"pid {self.pid} (application_name {self.application_name or ''!r}, user "
            f"{self.user or '?'}, {state}{opened if self.transaction_since else ''}) holding "
            f"{self.mode} on {self.relation}"
        )


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def bound_lock_waits(conn: psycopg.Connection, wait: LockWait) -> None:
    """Within the current transaction, no statement waits longer than ``wait.timeout_s``."""
    conn.execute(_statement("bound_lock_waits"), (wait.lock_timeout,))


def relation_lock_holders(conn: psycopg.Connection, schema: str, name: str) -> list[LockHolder]:
    """The other sessions holding a lock on ``schema.name`` or a partition below it."""
    return _holders(conn, schemas=None, schema=schema, relation=name)


def schema_lock_holders(conn: psycopg.Connection, schemas: Sequence[str]) -> list[LockHolder]:
    """The other sessions holding a lock on any relation in ``schemas``."""
    return _holders(conn, schemas=list(schemas), schema=None, relation=None)


def _holders(conn: psycopg.Connection, **filters: object) -> list[LockHolder]:
    rows = conn.execute(_statement("lock_holders"), filters).fetchall()
    # One line per session: the first relation listed is the one nearest the top of the tree.
    by_pid: dict[int, LockHolder] = {}
    for row in rows:
        by_pid.setdefault(row[0], LockHolder(*row))
    return list(by_pid.values())


def retry_lock_waits(
    attempt: Callable[[], T],
    wait: LockWait,
    busy: Callable[[LockWaitExpired, int, float], WarehouseBusy],
) -> T:
    """``attempt()``, run again with backoff while it raises ``LockWaitExpired``, for up to
    ``wait.retry_s``; then ``busy(the last LockWaitExpired, tries, seconds)`` is raised."""
    started = time.monotonic()
    delay = FIRST_BACKOFF_S
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except LockWaitExpired as expired:
            waited = time.monotonic() - started
            if waited + delay > wait.retry_s:
                raise busy(expired, tries, waited) from expired
            log.info("a lock is held by another session; trying again in %.1fs", delay)
            time.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)


def busy_error(
    connection: WarehouseConnection,
    doing: str,
    holders: list[LockHolder],
    tries: int,
    waited_s: float,
    wait: LockWait,
    kept: str,
) -> WarehouseBusy:
    """The error for a try that kept finding a lock it needs held by other sessions."""
    if holders:
        sessions = "; ".join(holder.describe() for holder in holders[:5])
        pids = ", ".join(str(holder.pid) for holder in holders[:5])
        remedy = (
            f"end that transaction: commit or roll back in session {pids}, or, if it was left "
            f"idle in transaction, select pg_terminate_backend(<pid>)"
        )
    else:
        sessions = "the sessions holding it had ended by the time they were looked up"
        remedy = "nothing, if it does not happen again"
    return WarehouseBusy(
        f"PostgreSQL at {connection.where} is busy: {doing} could not get a lock within "
        f"{wait.timeout_s:g}s ({tries} tries over {waited_s:.0f}s); held by {sessions}. {kept} "
        f"Readers never queued behind this for longer than {wait.timeout_s:g}s. What to do: "
        f"{remedy}; the task is retried (TAXI_LOCK_RETRY_S sets how long a try keeps trying, "
        f"TAXI_LOCK_TIMEOUT_S how long each wait lasts)."
    )


def _statement(name: str):
    return sqlfile.statement("locks.sql", name)
