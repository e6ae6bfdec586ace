"""Transforming and testing months in batches: one dbt invocation for every month that is waiting.

The load log knows each month's current load; ``<dbt schema>.month_transforms`` knows which load
of each month the marts were built from and tested on, and by which version of the dbt project.
Building a month builds every month whose current load is not built yet, in one invocation; a
month some other run's batch already built is done without starting dbt. Testing works the same
way, and each month keeps its own outcome: when a batch of several months has tests that did not
pass, those tests run again month by month, so a failing test fails exactly the months it fails
for, named in each month's own report.

Exactness does not depend on timing: the batch notes each month's current load *before* dbt
starts, so a month reloaded while dbt runs keeps a newer current load than the one recorded, and
the next build transforms it again. Callers are serialised per dbt schema by an advisory lock (on
top of Airflow's one-slot pool), so bookkeeping and dbt never race each other.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from taxi_pipeline.core import sqlfile
from taxi_pipeline.core.connection import (
    WarehouseConnection,
    classify_connection_error,
    permission_refused,
)
from taxi_pipeline.core.dbt import find_project_dir, months_text, project_digest
from taxi_pipeline.core.dbt_failures import raise_for, run_dbt_waiting
from taxi_pipeline.core.dbt_results import DbtResult, Invocations, tests_summary
from taxi_pipeline.core.errors import DbtFailed, DbtStillRunning
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import DEFAULT_SERVICE
from taxi_pipeline.core.schema import service_schema
from taxi_pipeline.core.settings import LockWait
from taxi_pipeline.core.warehouse import Warehouse

log = logging.getLogger(__name__)

BUILD_RESOURCE_TYPES = ("seed", "model")
# Once this project has built a month, its seeds are in place: loading them again would truncate
# them, an ACCESS EXCLUSIVE lock that waits for every reader of the lookup tables.
REBUILD_RESOURCE_TYPES = ("model",)
STOPPED_STATEMENTS_WAIT_S = 600


@dataclass(frozen=True)
class DbtTarget:
    """Where dbt reads and writes for one pipeline: the warehouse, its schemas, the project."""

    warehouse_url: str
    work_dir: Path
    raw_schema: str
    dbt_schema: str
    service: str = DEFAULT_SERVICE
    project_dir: Path | None = None
    lock_wait: LockWait = field(default_factory=LockWait.configured)

    @property
    def project(self) -> Path:
        return self.project_dir or find_project_dir()

    @property
    def connection(self) -> WarehouseConnection:
        return WarehouseConnection.from_url(self.warehouse_url)

    @property
    def schemas(self) -> tuple[str, str]:
        return (self.dbt_schema, self.raw_schema)

    def dbt(self, command: str, months: tuple[Month, ...], echo, **options) -> DbtResult:
        """``dbt <command>`` of this service's ``months`` against this target (options as
        ``run_dbt``'s): another service's rows in the marts are left as they are. Run again while
        a lock it needs is held by another session, up to ``lock_wait``."""
        return run_dbt_waiting(
            command,
            self.warehouse_url,
            self.work_dir,
            target_schema=self.dbt_schema,
            raw_schema=self.raw_schema,
            months=months,
            service=self.service,
            project_dir=self.project,
            echo=echo,
            lock_wait=self.lock_wait,
            **options,
        )


@dataclass
class MonthBuild:
    month: Month
    load_id: int
    # Every month the invocation built, this one included; empty when it was built already.
    batch: tuple[Month, ...]
    dbt: Invocations
    statuses: Counter = field(default_factory=Counter)


@dataclass
class MonthTests:
    month: Month
    load_id: int
    statuses: Counter
    failed: list[str]
    warned: list[str]
    batch: tuple[Month, ...]
    dbt: Invocations
    # The month was reloaded after this run built it: the run of the newer load tests that.
    superseded_by: int | None = None

    @property
    def summary(self) -> str:
        return tests_summary(self.statuses)


@dataclass(frozen=True)
class _MonthState:
    month: Month
    load_id: int
    built_load_id: int | None
    built_project: str | None
    tested_load_id: int | None
    tested_project: str | None
    tested_with: list[date] | None
    test_statuses: dict | None
    failed_tests: list[str] | None
    warned_tests: list[str] | None

    def built(self, project: str) -> bool:
        return self.built_load_id == self.load_id and self.built_project == project

    def tested(self, project: str) -> bool:
        return self.built(project) and (
            self.tested_load_id == self.load_id and self.tested_project == project
        )


def build_month(target: DbtTarget, month: Month, echo: Callable[[str], None]) -> MonthBuild:
    """Make sure the marts hold ``month``'s current load, building every waiting month with it."""
    project = project_digest(target.project)
    with _bookkeeping(target) as conn:
        states = _month_states(conn, target)
        state = _state_of(states, month, target)
        if state.built(project):
            echo(f"{month}: load {state.load_id} is built already; dbt not started")
            return MonthBuild(month, state.load_id, (), Invocations())
        waiting = [s for s in states.values() if not s.built(project)]
        batch = tuple(s.month for s in waiting)
        echo(f"building {len(batch)} month(s) waiting for dbt in one invocation: {_list(batch)}")
        # The staging models read every service's raw table; one never loaded may not exist yet.
        Warehouse(
            target.warehouse_url, service_schema(target.service), target.raw_schema
        ).ensure_raw_schema()
        seeded = any(s.built_project == project for s in states.values())
        resource_types = REBUILD_RESOURCE_TYPES if seeded else BUILD_RESOURCE_TYPES
        result = target.dbt("build", batch, echo, resource_types=resource_types)
        if not result.success:
            raise_for(result, target.warehouse_url, target.schemas)
        with conn.transaction():
            for waiting_state in waiting:
                conn.execute(
                    _statement("record_built", target),
                    (
                        target.service,
                        waiting_state.month.first_day,
                        waiting_state.load_id,
                        project,
                        [m.first_day for m in batch],
                    ),
                )
        invocations = Invocations()
        invocations.add(result)
        return MonthBuild(month, state.load_id, batch, invocations, result.statuses)


def month_tests(
    target: DbtTarget,
    month: Month,
    echo: Callable[[str], None],
    own_load_id: int | None = None,
) -> MonthTests:
    """The dbt tests' outcome for ``month``'s current load, testing every waiting month with it.

    Raises ``DbtFailed`` naming the failing tests when an error-severity test fails for
    ``month``. ``own_load_id`` is the load the caller built: if the month has been reloaded since,
    the newer load is left to the run that loaded it.
    """
    project = project_digest(target.project)
    with _bookkeeping(target) as conn:
        states = _month_states(conn, target)
        state = _state_of(states, month, target)
        if not state.built(project):
            if own_load_id is not None and own_load_id < state.load_id:
                echo(
                    f"{month} was reloaded (load {state.load_id}) after this run built load "
                    f"{own_load_id}: the run of the newer load builds and tests it"
                )
                return MonthTests(
                    month, state.load_id, Counter(), [], [], (), Invocations(), state.load_id
                )
            raise DbtFailed(
                f"{month}: its current load {state.load_id} has not been built by this dbt "
                f"project, so there is nothing to test yet: clear dbt_run of this run (or run "
                f"`taxi-pipeline ingest --month {month}`)"
            )
        invocations = Invocations()
        if not state.tested(project):
            waiting = [s for s in states.values() if s.built(project) and not s.tested(project)]
            _test_batch(conn, target, waiting, project, invocations, echo)
            state = _state_of(_month_states(conn, target), month, target)
        else:
            echo(f"{month}: load {state.load_id} was tested already; dbt not started")
        outcome = MonthTests(
            month=month,
            load_id=state.load_id,
            statuses=Counter(state.test_statuses or {}),
            failed=list(state.failed_tests or []),
            warned=list(state.warned_tests or []),
            batch=tuple(Month.of(day) for day in state.tested_with or ()),
            dbt=invocations,
        )
        for name in outcome.warned:
            echo(f"{month}: warning from test {name}")
        if outcome.failed:
            conn.execute(_statement("forget_tested", target), (target.service, month.first_day))
            raise DbtFailed(
                f"dbt tests failed for {month}: {'; '.join(outcome.failed[:10])}. The month's "
                f"data stays loaded and built; fix the data or the test, then clear dbt_test"
            )
        return outcome


def _test_batch(
    conn: psycopg.Connection,
    target: DbtTarget,
    waiting: list[_MonthState],
    project: str,
    invocations: Invocations,
    echo: Callable[[str], None],
) -> None:
    """Test ``waiting`` in one invocation and record each month's own outcome."""
    batch = tuple(s.month for s in waiting)
    echo(f"testing {len(batch)} month(s) in one invocation: {_list(batch)}")
    result = _test(target, batch, (), echo)
    invocations.add(result)
    not_passed = [node.name for node in result.nodes if node.status != "pass"]
    per_month = {m: result for m in batch}
    if not_passed and len(batch) > 1:
        # Which month does each of them fail for? Only these tests run again, a month at a time.
        echo(f"{len(not_passed)} test(s) did not pass for the batch; checking each month")
        for m in batch:
            per_month[m] = _test(target, (m,), not_passed, echo)
            invocations.add(per_month[m])
    total = len(result.nodes)
    with conn.transaction():
        for s in waiting:
            month_result = per_month[s.month]
            statuses = Counter(n.status for n in month_result.nodes)
            statuses["pass"] += total - len(month_result.nodes)
            failed = [
                f"{n.name} ({n.status}: {n.message})"
                for n in month_result.nodes
                if n.status in ("fail", "error")
            ]
            warned = [n.name for n in month_result.nodes if n.status == "warn"]
            conn.execute(
                _statement("record_tested", target),
                (
                    [m.first_day for m in batch],
                    json.dumps(dict(statuses)),
                    json.dumps(failed),
                    json.dumps(warned),
                    target.service,
                    s.month.first_day,
                    s.load_id,
                    project,
                ),
            )


def _test(
    target: DbtTarget,
    months: tuple[Month, ...],
    select: list[str] | tuple[str, ...],
    echo: Callable[[str], None],
) -> DbtResult:
    result = target.dbt("test", months, echo, select=select)
    # A test that fails makes dbt exit non-zero; only an invocation that ran no test at all
    # (a compile error, a lost server) says nothing about the months.
    if not result.success and not result.nodes:
        raise_for(result, target.warehouse_url, target.schemas)
    return result


@contextlib.contextmanager
def _bookkeeping(target: DbtTarget) -> Iterator[psycopg.Connection]:
    """A connection holding the dbt schema's advisory lock, with the bookkeeping table ready."""
    conn = target.connection.connect(autocommit=True, application_name="taxi_pipeline_transforms")
    with conn:
        try:
            locked = conn.execute(
                _statement("transform_try_lock", target), (target.dbt_schema,)
            ).fetchone()[0]
            if not locked:
                log.info("waiting for another dbt invocation on schema %s", target.dbt_schema)
                conn.execute(_statement("transform_lock", target), (target.dbt_schema,))
            _wait_for_stopped_statements(conn, target)
            conn.execute(sqlfile.create_schema(target.dbt_schema))
            conn.execute(_statement("create_transform_log", target))
        except psycopg.OperationalError as exc:
            raise classify_connection_error(exc, target.connection) from exc
        except psycopg.errors.InsufficientPrivilege as exc:
            raise permission_refused(exc, target.connection) from exc
        # The session's end releases the lock, whatever happens in between.
        yield conn


def _wait_for_stopped_statements(conn: psycopg.Connection, target: DbtTarget) -> None:
    # The profile names each schema's dbt sessions so (profiles.yml).
    application_name = f"taxi_pipeline_dbt {target.dbt_schema}"[:63]
    deadline = time.monotonic() + STOPPED_STATEMENTS_WAIT_S
    running = 0
    while True:
        running = conn.execute(
            _statement("running_dbt_statements", target), (application_name,)
        ).fetchone()[0]
        if not running:
            return
        if time.monotonic() > deadline:
            raise DbtStillRunning(
                f"{running} statement(s) of an earlier dbt invocation on schema "
                f"{target.dbt_schema} are still running after {STOPPED_STATEMENTS_WAIT_S}s "
                f"(its process was stopped; see pg_stat_activity where application_name = "
                f"'{application_name}'); a retry waits for them again"
            )
        log.info("waiting for %d statement(s) of a stopped dbt invocation to end", running)
        time.sleep(1)


def _month_states(conn: psycopg.Connection, target: DbtTarget) -> dict[Month, _MonthState]:
    try:
        rows = conn.execute(
            _statement("month_states", target), (target.service, target.service)
        ).fetchall()
    except psycopg.errors.UndefinedTable:
        return {}
    states = {}
    for row in rows:
        month = Month.of(row[0])
        states[month] = _MonthState(month, *row[1:])
    return states


def _state_of(states: dict[Month, _MonthState], month: Month, target: DbtTarget) -> _MonthState:
    if month not in states:
        raise DbtFailed(
            f"{target.service} {month} has no load in {target.raw_schema}.load_log, so dbt has "
            f"nothing to build for it: load the month first (clear ingest_taxi_month)"
        )
    return states[month]


def _statement(name: str, target: DbtTarget) -> sql.Composed:
    return sqlfile.statement(
        "transforms.sql",
        name,
        schema=sql.Identifier(target.dbt_schema),
        raw=sql.Identifier(target.raw_schema),
    )


def _list(months: tuple[Month, ...]) -> str:
    return months_text(months) if len(months) <= 6 else f"{months[0]} .. {months[-1]}"
