"""Running the dbt project in this process, warm, with credentials passed only by environment.

dbt's own cost is mostly start-up: importing it takes seconds, and so does parsing the project from
scratch. So dbt is invoked in-process (``dbtRunner``), where a parent process that forks task
processes may have imported it already (``preload``); each schema keeps one target dir, so dbt's
partial parse finds the project unchanged; and the service and months to process reach the models
through ``TAXI_DBT_SERVICE`` and ``TAXI_DBT_MONTHS``, read only at execution time, so a new month
or another service never invalidates the parse.

The password travels in ``DBT_ENV_SECRET_PG_PASSWORD``: dbt scrubs ``DBT_ENV_SECRET_*`` values from
its logs and artifacts, and ``profiles.yml`` only names environment variables, so nothing on disk
holds it. The variables are set for the invocation only and removed afterwards.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from taxi_pipeline.core.connection import WarehouseConnection
from taxi_pipeline.core.dbt_results import DbtResult, EventRecorder, node_outcomes
from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import DEFAULT_DBT_SCHEMA, DEFAULT_RAW_SCHEMA
from taxi_pipeline.core.settings import LockWait

_PROJECT_ENV = "TAXI_DBT_PROJECT_DIR"
MONTHS_ENV = "TAXI_DBT_MONTHS"
SERVICE_ENV = "TAXI_DBT_SERVICE"
# The run's scope: read by the models at execution time, never part of the parsed manifest.
_SCOPE_ENV = (MONTHS_ENV, SERVICE_ENV)
# Environment variables that dbt must not see from the caller while it runs: credentials of other
# connections, and settings this module sets itself.
_HIDDEN_PREFIXES = ("DBT_ENV_SECRET_", "TAXI_PG_", "AIRFLOW_CONN_", *_SCOPE_ENV)
# The modules an invocation needs beyond dbt's CLI; importing them before forking task processes
# spares each task the seconds they take.
_WARM_MODULES = (
    "dbt.cli.main",
    "dbt.adapters.postgres",
    "dbt.adapters.postgres.impl",
    "dbt.compilation",
    "dbt.graph.thread_pool",
    "dbt.parser.sql",
    "dbt.task.build",
    "dbt.task.test",
    "dbt.task.seed",
    "dbt_common.clients.agate_helper",
    "sqlparse",
)
# dbt supports one programmatic invocation at a time per process.
_one_invocation = threading.Lock()
# Projects this process has parsed: a later invocation on the same files and schemas passes the
# manifest to dbt and skips parsing altogether.
_parsed: dict[tuple, object] = {}
# Files whose content decides what the models build and what the tests check.
_PROJECT_SUFFIXES = (".sql", ".yml", ".yaml", ".csv")


def preload() -> float:
    """Import dbt now (seconds taken; 0 if it already was), so that processes forked from this
    one, such as Airflow's task processes, start with it loaded."""
    missing = [name for name in _WARM_MODULES if name not in sys.modules]
    if not missing:
        return 0.0
    started = time.perf_counter()
    with _host_logging():
        for name in missing:
            importlib.import_module(name)
    return time.perf_counter() - started


def warm_up(project_dir: Path | None = None) -> float:
    """Import dbt and parse the project once, throwing the result away (seconds taken).

    Most of a parse's cost is dbt generating its serialisation code on first use; a process forked
    after this one parse then parses in a fraction of a second. The parse runs without dbt's static
    parser: that Rust extension starts threads, and a process forked from one with threads running
    can hang in it. Nothing connects to PostgreSQL, so the profile gets placeholders. A failure
    only costs the speed-up, so it is logged, not raised.
    """
    started = time.perf_counter()
    try:
        preload()
        from dbt.cli.main import dbtRunner

        project = str(project_dir or find_project_dir())
        placeholders = dbt_environment(
            "postgresql://warm-up@localhost/warm_up", DEFAULT_DBT_SCHEMA, DEFAULT_RAW_SCHEMA
        )
        with (
            _one_invocation,
            _host_logging(),
            _environment(placeholders),
            tempfile.TemporaryDirectory() as scratch,
        ):
            argv = ["parse", "--project-dir", project, "--profiles-dir", project]
            argv += ["--no-static-parser", "--target-path", scratch, "--log-path", scratch]
            outcome = dbtRunner().invoke([*argv, "--log-level", "none"])
        if not outcome.success:
            raise RuntimeError(outcome.exception or "dbt parse failed")
    except Exception as error:
        logging.getLogger(__name__).warning("dbt warm-up failed, tasks will parse cold: %s", error)
    return time.perf_counter() - started


@contextlib.contextmanager
def _host_logging() -> Iterator[None]:
    """Keep the root logger's handlers: parts of dbt call logging.basicConfig() as they load."""
    root_handlers = list(logging.root.handlers)
    try:
        yield
    finally:
        logging.root.handlers[:] = root_handlers


def find_project_dir(start: Path | None = None) -> Path:
    """The dbt project: ``TAXI_DBT_PROJECT_DIR``, else ``include/dbt_project`` next to the code."""
    if override := os.environ.get(_PROJECT_ENV):
        path = Path(override)
        if (path / "dbt_project.yml").exists():
            return path.resolve()
        raise InvalidParameter(f"{_PROJECT_ENV}={override} has no dbt_project.yml")
    anchors = [start] if start else []
    anchors += [Path.cwd(), Path(__file__).resolve().parent]
    for anchor in anchors:
        for folder in [anchor, *anchor.parents]:
            candidate = folder / "include" / "dbt_project"
            if (candidate / "dbt_project.yml").exists():
                return candidate.resolve()
    raise InvalidParameter(
        f"cannot find include/dbt_project (looked above {', '.join(map(str, anchors))}); "
        f"set {_PROJECT_ENV}"
    )


def project_digest(project: Path) -> str:
    """A digest of the dbt project's models, tests, macros, seeds and settings."""
    files = tuple(
        (str(path.relative_to(project)), path.stat().st_mtime_ns, path.stat().st_size)
        for path in sorted(project.rglob("*"))
        if path.suffix in _PROJECT_SUFFIXES
        and path.is_file()
        and path.relative_to(project).parts[0] not in ("target", "logs", "dbt_packages")
    )
    return _digest_of(files, project)


@functools.cache
def _digest_of(files: tuple[tuple[str, int, int], ...], project: Path) -> str:
    digest = hashlib.sha256()
    for name, _, _ in files:
        digest.update(name.encode())
        digest.update((project / name).read_bytes())
    return digest.hexdigest()[:16]


def dbt_environment(
    warehouse_url: str,
    target_schema: str,
    raw_schema: str,
    months: Sequence[Month] | None = None,
    service: str | None = None,
    lock_wait: LockWait | None = None,
) -> dict[str, str]:
    """The variables ``profiles.yml`` and the models read, for one invocation.

    dbt-postgres has no profile field for server settings, so the lock timeout reaches each of
    dbt's sessions through libpq's ``PGOPTIONS``, after whatever options the connection carries.
    """
    env = WarehouseConnection.from_url(warehouse_url).dbt_environment()
    lock_timeout = f"-c lock_timeout={(lock_wait or LockWait.configured()).lock_timeout}"
    env["PGOPTIONS"] = " ".join(filter(None, (env.get("PGOPTIONS"), lock_timeout)))
    env |= {
        "TAXI_DBT_SCHEMA": target_schema,
        "TAXI_RAW_SCHEMA": raw_schema,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "true",
    }
    if months is not None:
        env[MONTHS_ENV] = ",".join(month.first_day.isoformat() for month in sorted(set(months)))
    if service is not None:
        env[SERVICE_ENV] = service
    return env


def target_dir(work_dir: Path, target_schema: str) -> Path:
    """dbt's target dir (artifacts, partial-parse state) for one target schema."""
    return work_dir / "dbt" / target_schema / "target"


def run_dbt(
    command: str,
    warehouse_url: str,
    work_dir: Path,
    *,
    target_schema: str,
    raw_schema: str = DEFAULT_RAW_SCHEMA,
    months: Sequence[Month] | None = None,
    service: str | None = None,
    project_dir: Path | None = None,
    select: Sequence[str] = (),
    resource_types: tuple[str, ...] = (),
    full_refresh: bool = False,
    echo: Callable[[str], None] | None = None,
    lock_wait: LockWait | None = None,
) -> DbtResult:
    """Run ``dbt <command>`` (build, run, test, seed, docs generate) over ``months`` of
    ``service`` (None: every month, every service).

    ``resource_types`` narrows a ``build`` (e.g. seeds and models but not tests): one invocation
    instead of several saves dbt's start-up. The target dir is one per target schema under
    ``work_dir``, so that dbt's partial parse carries over from one invocation to the next.
    """
    if months is not None and not months:
        raise ValueError("months must list at least one month, or be None for every month")
    project = project_dir or find_project_dir()
    run_dir = work_dir / "dbt" / target_schema
    common = [
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target_dir(work_dir, target_schema)),
        "--log-path",
        str(run_dir / "logs"),
        # Its lines reach the caller through the recorder below, not stdout.
        "--log-level",
        "none",
    ]
    argv = [*command.split(), *common]
    for name in select:
        argv += ["--select", name]
    for resource_type in resource_types:
        argv += ["--resource-type", resource_type]
    if full_refresh:
        argv.append("--full-refresh")
    env = dbt_environment(warehouse_url, target_schema, raw_schema, months, service, lock_wait)
    secret = env["DBT_ENV_SECRET_PG_PASSWORD"]
    recorder = EventRecorder(echo, secret=secret)
    parse_recorder = EventRecorder(None, secret=secret)
    # The manifest depends on the project's files and on where it builds and reads: database and
    # schemas are written into every node. (The scope is not in it: it is read at execution.)
    target = tuple(
        sorted((k, v) for k, v in env.items() if k.startswith("TAXI_") and k not in _SCOPE_ENV)
    )
    parsed_key = (str(project), str(run_dir), project_digest(project), *target)
    with _one_invocation, _environment(env):
        import_s = preload()
        from dbt.cli.main import dbtRunner

        started = time.perf_counter()
        manifest = _parsed.get(parsed_key)
        outcome = None
        if manifest is None:
            outcome = dbtRunner(callbacks=[parse_recorder]).invoke(["parse", *common])
            if outcome.success:
                manifest = _parsed[parsed_key] = outcome.result
        parse_s = time.perf_counter() - started
        if manifest is not None:
            recorder.restart()
            outcome = dbtRunner(manifest=manifest, callbacks=[recorder]).invoke(argv)
        else:
            recorder = parse_recorder
        ended = time.perf_counter()
    if outcome.exception is not None:
        recorder.add_line(f"dbt {command} could not run: {outcome.exception}")
    return DbtResult(
        command=command,
        success=bool(outcome.success) and manifest is not None,
        months=tuple(sorted(set(months))) if months is not None else None,
        nodes=node_outcomes(outcome.result) if manifest is not None else [],
        output_tail=recorder.tail(),
        timings=recorder.timings(started + parse_s, ended, import_s, parse_s),
        full_parse=parse_recorder.saw("UnableToPartialParse"),
    )


def months_text(months: Sequence[Month] | None) -> str:
    if months is None:
        return "all months"
    return ", ".join(str(month) for month in months)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` set, and the caller's hidden variables removed, for the block only."""
    saved = {key: value for key, value in os.environ.items() if key.startswith(_HIDDEN_PREFIXES)}
    saved.update({key: os.environ[key] for key in values if key in os.environ})
    for key in saved:
        del os.environ[key]
    os.environ.update(values)
    try:
        yield
    finally:
        for key in values:
            os.environ.pop(key, None)
        os.environ.update(saved)
