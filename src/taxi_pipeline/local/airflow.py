"""A local Airflow for the project: api-server, scheduler, dag-processor and triggerer.

Everything lives in one state dir: ``<state_dir>/airflow`` is ``AIRFLOW_HOME`` (task logs, the
admin password, the processes' logs and pid files), and the metadata database is a database
``airflow`` with its own role in the embedded PostgreSQL of the same state dir. Tasks run on the
LocalExecutor, as in a small production deployment: through the scheduler, its pools and the
execution API, unlike ``airflow dags test``. With ``executor="CeleryExecutor"`` they run on
``celery_workers`` separate ``airflow celery worker`` processes instead, fed through a broker the
caller provides (see docs/distributed.md).

Secrets are generated once and kept in 0600 files; none is printed here. The warehouse connection
(``azure_pg``) reaches the processes only through ``AIRFLOW_CONN_AZURE_PG`` in their environment.
"""

from __future__ import annotations

import configparser
import contextlib
import io
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import requests
from psycopg import sql

from taxi_pipeline.core.connection import WarehouseConnection
from taxi_pipeline.core.errors import PipelineError
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import CONNECTION_ENV, DAG_ID, DBT_POOL, DBT_POOL_DESCRIPTION
from taxi_pipeline.local.postgres import EmbeddedPostgres, free_port, port_is_free
from taxi_pipeline.orchestration.namespaces import configured_namespaces, dbt_pools

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
EXECUTORS = ("LocalExecutor", "CeleryExecutor")
CELERY_WORKER_PREFIX = "celery-worker-"
# Health keys of /api/v2/monitor/health for the components that heartbeat.
_HEALTH_KEYS = {
    "scheduler": "scheduler",
    "dag-processor": "dag_processor",
    "triggerer": "triggerer",
}
_METADATA_ROLE = "airflow"
_METADATA_DB = "airflow"
TERMINAL_RUN_STATES = ("success", "failed")
HEALTH_PROBES = 3
REPO_DAGS_FOLDER = Path(__file__).resolve().parents[3] / "dags"
# Imported by every Airflow component at start-up; preloads dbt where TAXI_PRELOAD_DBT=1.
LOCAL_SETTINGS = Path(__file__).resolve().parents[3] / "deploy" / "airflow_local_settings.py"


class LocalAirflowError(PipelineError):
    """The local Airflow could not be prepared, started or asked something."""


@dataclass
class ComponentStatus:
    name: str
    pid: int | None
    running: bool
    healthy: bool | None
    detail: str = ""


@dataclass
class AirflowStatus:
    api_url: str
    components: list[ComponentStatus]
    dags: dict[str, dict[str, Any]] = field(default_factory=dict)
    import_errors: dict[str, str] = field(default_factory=dict)
    missing_dags: list[str] = field(default_factory=list)
    # Pools that waiting tasks name but that do not exist, with how many tasks wait for each.
    missing_pools: dict[str, int] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return (
            all(c.running and c.healthy for c in self.components)
            and not self.import_errors
            and not self.missing_dags
            and not self.missing_pools
        )

    def problems(self) -> list[str]:
        found = [
            f"{c.name}: {c.detail or 'not healthy'}"
            for c in self.components
            if not (c.running and c.healthy)
        ]
        found += [
            f"import error in {name}: {_last_line(text)}"
            for name, text in self.import_errors.items()
        ]
        found += [f"DAG {dag_id} is not loaded" for dag_id in self.missing_dags]
        found += [missing_pool_message(pool, n) for pool, n in self.missing_pools.items()]
        return found


def missing_pool_message(pool: str, waiting: int) -> str:
    return (
        f"{waiting} task(s) wait for pool '{pool}', which does not exist: the scheduler never "
        f'starts them. Create it with one slot: airflow pools set {pool} 1 "{DBT_POOL_DESCRIPTION}"'
    )


class LocalAirflow:
    """One local Airflow per state dir; ``up()`` is idempotent, ``down()`` stops what it started.

    ``warehouse_url`` becomes the ``azure_pg`` connection; without it an ``AIRFLOW_CONN_AZURE_PG``
    already in the environment is passed on, else the embedded PostgreSQL's ``taxi`` database is
    used. ``extra_env`` reaches every process (and so every task), e.g. ``TAXI_TLC_BASE_URL``.
    ``dags_folder`` defaults to the one the last ``up`` used, else this checkout's ``dags/``
    (an installation from a wheel has none: pass it).

    ``executor="CeleryExecutor"`` adds ``celery_workers`` components (``celery-worker-1``, ...),
    each an ``airflow celery worker`` with ``celery_concurrency`` slots, fed through
    ``broker_url``; ``result_backend`` defaults to the metadata database. ``extra_config`` is
    merged over the generated settings, section by section.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        dags_folder: Path | None = None,
        api_port: int | None = None,
        warehouse_url: str | None = None,
        extra_env: dict[str, str] | None = None,
        parallelism: int = 4,
        expected_dags: Iterable[str] = (DAG_ID,),
        executor: str | None = None,
        celery_workers: int | None = None,
        celery_concurrency: int = 2,
        broker_url: str | None = None,
        result_backend: str | None = None,
        extra_config: dict[str, dict[str, str]] | None = None,
        cluster_policies: str = "",
    ):
        """``cluster_policies``: Python source appended to the deployment's airflow_local_settings
        (policy functions, named in ``__all__`` so that Airflow registers them)."""
        self.state_dir = Path(state_dir).resolve()
        self.home = self.state_dir / "airflow"
        self.run_dir = self.home / "run"
        # A later command (status, backfill) without dags_folder keeps the one ``up`` used.
        self.dags_folder = Path(
            dags_folder or self._saved().get("dags_folder") or REPO_DAGS_FOLDER
        ).resolve()
        self._api_port = api_port
        self._configured_port = api_port is not None
        self.warehouse_url = warehouse_url
        self.extra_env = dict(extra_env or {})
        self.cluster_policies = cluster_policies
        self.parallelism = parallelism
        self.expected_dags = tuple(expected_dags)
        self.postgres = EmbeddedPostgres(self.state_dir)
        # Like dags_folder, the executor choice outlives the process that made it, so that a
        # later ``down`` or ``status`` without arguments still knows about the workers.
        saved_executor = self._saved_executor()
        self.executor = executor or saved_executor.get("executor") or "LocalExecutor"
        if self.executor not in EXECUTORS:
            raise LocalAirflowError(f"executor must be one of {', '.join(EXECUTORS)}")
        celery = self.executor == "CeleryExecutor"
        workers = celery_workers if celery_workers is not None else saved_executor.get("workers", 2)
        self.celery_workers = int(workers) if celery else 0
        self.celery_concurrency = celery_concurrency
        self.broker_url = broker_url or saved_executor.get("broker_url")
        self.result_backend = result_backend or saved_executor.get("result_backend")
        if celery and not self.broker_url:
            raise LocalAirflowError("the CeleryExecutor needs a broker_url (e.g. redis://...)")
        # Settings merged over config(), section by section (e.g. shorter timeouts in tests).
        self.extra_config = {k: dict(v) for k, v in (extra_config or {}).items()}

    # -- where things are ----------------------------------------------------------------

    @property
    def api_port(self) -> int:
        if self._api_port is None:
            saved = self._saved().get("api_port")
            self._api_port = int(saved) if saved else free_port()
        return self._api_port

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def admin_password_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json"

    def admin_password(self) -> str:
        """The UI/API password of user ``admin`` (for the caller to show; never logged here)."""
        return json.loads(self.admin_password_file.read_text())["admin"]

    def log_file(self, component: str) -> Path:
        return self.run_dir / f"{component}.log"

    def _pid_file(self, component: str) -> Path:
        return self.run_dir / f"{component}.pid"

    def _saved(self) -> dict[str, Any]:
        try:
            return json.loads((self.home / "local.json").read_text())
        except (OSError, ValueError):
            return {}

    def _saved_executor(self) -> dict[str, Any]:
        # A 0600 file of its own: a broker URL may carry a password.
        try:
            return json.loads((self.home / "executor.json").read_text())
        except (OSError, ValueError):
            return {}

    @property
    def components(self) -> tuple[str, ...]:
        """The processes this Airflow runs: the four core ones, then any Celery workers."""
        workers = tuple(f"{CELERY_WORKER_PREFIX}{i}" for i in range(1, self.celery_workers + 1))
        return COMPONENTS + workers

    # -- lifecycle -----------------------------------------------------------------------

    def up(self, timeout_s: float = 240.0) -> AirflowStatus:
        """Prepare the metadata database and start every component that is not running.

        Returns the status once all components are healthy; a DAG that failed to import shows
        in ``status.import_errors`` (and makes ``status.healthy`` false) rather than raising.
        """
        if not any(self._alive(c) for c in self.components) and not port_is_free(self.api_port):
            if self._configured_port:
                raise LocalAirflowError(f"port {self.api_port} is taken: choose another one")
            # The port saved by an earlier start went to something else meanwhile.
            self._api_port = free_port()
        self.prepare()
        for component in self.components:
            if not self._alive(component):
                self._start(component)
        return self.wait_healthy(timeout_s)

    def prepare(self) -> None:
        """Secrets, metadata database and schema, the ``dbt`` pool; safe to repeat."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.home / "local.json").write_text(
            json.dumps({"api_port": self.api_port, "dags_folder": str(self.dags_folder)})
        )
        executor = {"executor": self.executor}
        if self.executor == "CeleryExecutor":
            executor |= {
                "workers": self.celery_workers,
                "broker_url": self.broker_url,
                "result_backend": self.result_backend,
            }
        _write_private(self.home / "executor.json", json.dumps(executor))
        self._ensure_metadata_database()
        self.write_config()
        config_dir = self.home / "config"
        config_dir.mkdir(exist_ok=True)
        local_settings = config_dir / LOCAL_SETTINGS.name
        local_settings.unlink(missing_ok=True)
        if self.cluster_policies:
            local_settings.write_text(f"{LOCAL_SETTINGS.read_text()}\n\n{self.cluster_policies}")
        else:
            local_settings.symlink_to(LOCAL_SETTINGS)
        if not self.admin_password_file.exists():
            _write_private(
                self.admin_password_file, json.dumps({"admin": secrets.token_urlsafe(12)}) + "\n"
            )
        self.airflow_cli("db", "migrate", timeout_s=600)
        self.airflow_cli("pools", "set", DBT_POOL, "1", DBT_POOL_DESCRIPTION)
        self._ensure_namespace_pools()

    def down(self, timeout_s: float = 30.0, stop_postgres: bool = False) -> None:
        """Stop the components this state dir started (each with its process group)."""
        # Workers of an earlier, larger start too: whatever left a pid file here.
        leftovers = sorted(
            p.stem
            for p in self.run_dir.glob(f"{CELERY_WORKER_PREFIX}*.pid")
            if p.stem not in self.components
        )
        for component in reversed((*self.components, *leftovers)):
            pid = self._pid(component)
            if pid is not None:
                _stop_group(pid, timeout_s)
            else:
                self.kill_leftovers(component)
            self._pid_file(component).unlink(missing_ok=True)
        if stop_postgres:
            self.postgres.stop()

    def status(self) -> AirflowStatus:
        health: dict[str, Any] = {}
        api_detail = ""
        # A busy API server (one worker, a task starting) may miss one probe: one miss is not
        # "down", which would send people to restart a scheduler that is running fine.
        for attempt in range(HEALTH_PROBES):
            try:
                response = requests.get(f"{self.api_url}/api/v2/monitor/health", timeout=5)
                response.raise_for_status()
                health, api_detail = response.json(), ""
                break
            except (requests.RequestException, ValueError) as exc:
                api_detail = f"API not answering at {self.api_url} ({type(exc).__name__})"
                if attempt + 1 < HEALTH_PROBES and self._alive("api-server"):
                    time.sleep(1)
                else:
                    break
        components = []
        for component in self.components:
            pid = self._pid(component)
            running = pid is not None
            if component == "api-server":
                healthy = running and not api_detail
                detail = api_detail
            elif component.startswith(CELERY_WORKER_PREFIX):
                # Celery workers do not heartbeat to Airflow: ready once Celery says so.
                healthy = running and self._worker_ready(component)
                detail = "" if healthy else "not connected to the broker yet"
            else:
                info = health.get(_HEALTH_KEYS[component]) or {}
                healthy = running and info.get("status") == "healthy"
                detail = "" if healthy else (api_detail or f"health: {info.get('status')}")
            if not running:
                detail = f"not running (log: {self.log_file(component)})"
            components.append(ComponentStatus(component, pid, running, healthy, detail))
        result = AirflowStatus(api_url=self.api_url, components=components)
        with contextlib.suppress(psycopg.Error, PipelineError):
            result.import_errors = self.import_errors()
            result.dags = self.dags()
            result.missing_dags = [
                dag_id
                for dag_id in self.expected_dags
                if dag_id not in result.dags or result.dags[dag_id]["is_stale"]
            ]
            result.missing_pools = self.missing_pools()
        return result

    def wait_healthy(self, timeout_s: float = 240.0) -> AirflowStatus:
        """Until every component is healthy and the expected DAGs are loaded, or a DAG file
        failed to import (returned, not raised: see ``status.import_errors``)."""
        deadline = time.monotonic() + timeout_s
        while True:
            status = self.status()
            if status.healthy:
                return status
            dead = [c.name for c in status.components if not c.running]
            if dead:
                tails = "\n".join(f"--- {n}:\n{self._log_tail(n)}" for n in dead)
                raise LocalAirflowError(f"Airflow component(s) exited: {', '.join(dead)}\n{tails}")
            components_ok = all(c.healthy for c in status.components)
            if components_ok and status.import_errors:
                return status
            if time.monotonic() > deadline:
                raise LocalAirflowError(
                    f"Airflow not healthy after {timeout_s:.0f}s: {'; '.join(status.problems())}"
                )
            time.sleep(1.0)

    # -- one component at a time (fault drills, restarts) ---------------------------------

    def pid(self, component: str) -> int | None:
        """The main pid of a running component, else None."""
        self._check_component(component)
        return self._pid(component)

    def kill(self, component: str, sig: signal.Signals = signal.SIGKILL) -> int:
        """Send ``sig`` to the component's main process only, as a crash or the OOM killer
        would: the processes it forked (executor workers, tasks) are not signalled."""
        pid = self.pid(component)
        if pid is None:
            raise LocalAirflowError(f"{component} is not running")
        os.kill(pid, sig)
        if sig == signal.SIGKILL:
            deadline = time.monotonic() + 10
            while self._alive(component) and time.monotonic() < deadline:
                time.sleep(0.1)
        return pid

    def restart(self, component: str, timeout_s: float = 240.0) -> AirflowStatus:
        """Start the component afresh, as a process supervisor (systemd, a container runtime)
        would, and wait until everything is healthy with the new process heartbeating.

        A running component is stopped with its process group. One that died first has what it
        left behind killed: every Airflow process of its session and their descendants. A
        scheduler's forked LocalExecutor workers share its open metadata-database connections,
        so a transaction the dead scheduler had open stays open, with its row locks, for as
        long as they live, and the new scheduler would wait on those locks.
        """
        pid = self.pid(component)
        if pid is not None:
            _stop_group(pid, 30.0)
        else:
            self.kill_leftovers(component)
        started = datetime.now(UTC)
        self._start(component)
        key = _HEALTH_KEYS.get(component)
        if key is not None:
            # Health is judged by the latest heartbeat of any process of that kind, and a
            # killed one's is still fresh for a while: wait for one newer than this start.
            deadline = time.monotonic() + timeout_s
            while self._latest_heartbeat(key) is None or self._latest_heartbeat(key) < started:
                if not self._alive(component):
                    tail = self._log_tail(component)
                    raise LocalAirflowError(f"{component} exited on restart:\n{tail}")
                if time.monotonic() > deadline:
                    raise LocalAirflowError(f"{component} sent no heartbeat after {timeout_s}s")
                time.sleep(0.5)
        return self.wait_healthy(timeout_s)

    def _latest_heartbeat(self, key: str) -> datetime | None:
        try:
            response = requests.get(f"{self.api_url}/api/v2/monitor/health", timeout=5)
            value = (response.json().get(key) or {}).get(f"latest_{key}_heartbeat")
        except (requests.RequestException, ValueError):
            return None
        if not value:
            return None
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def kill_leftovers(self, component: str) -> list[int]:
        """SIGKILL what a dead component left running; returns the pids killed."""
        try:
            leader = int(json.loads(self._pid_file(component).read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return []
        if self._alive(component):
            raise LocalAirflowError(f"{component} is running: stop or restart it instead")
        if _start_time(leader) is not None:
            # The pid went to a new process, so the kernel had released it: nothing of that
            # session is left, and the session now under that id belongs to someone else.
            return []
        victims = _leftover_tree(leader)
        for victim in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(victim, signal.SIGKILL)
        return victims

    def _check_component(self, component: str) -> None:
        if component not in self.components:
            raise LocalAirflowError(
                f"unknown component {component!r}: one of {', '.join(self.components)}"
            )

    # -- commands ------------------------------------------------------------------------

    def config(self) -> dict[str, dict[str, str]]:
        """Airflow's settings for this state dir, as written to ``<home>/airflow.cfg``."""
        saved = self._secrets()
        values = {
            "core": {
                "dags_folder": str(self.dags_folder),
                "load_examples": "False",
                "executor": self.executor,
                "parallelism": str(self.parallelism),
                "fernet_key": saved["fernet_key"],
                "auth_manager": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                "simple_auth_manager_users": "admin:admin",
                "simple_auth_manager_passwords_file": str(self.admin_password_file),
                # Tasks report to the API server; on any port but 8080 they must be told where.
                "execution_api_server_url": f"{self.api_url}/execution/",
            },
            "database": {"sql_alchemy_conn": self._metadata_url("postgresql+psycopg2")},
            "api": {
                "host": "127.0.0.1",
                "port": str(self.api_port),
                "base_url": self.api_url,
                "workers": "1",
                "secret_key": saved["api_secret_key"],
            },
            # Every component that signs or checks execution tokens must share this secret.
            "api_auth": {"jwt_secret": saved["jwt_secret"]},
            # Quick reactions on a laptop: new or edited DAG files are parsed within seconds.
            "dag_processor": {
                "refresh_interval": "10",
                "min_file_process_interval": "15",
                "parsing_processes": "1",
            },
            "scheduler": {"scheduler_heartbeat_sec": "2"},
        }
        if self.executor == "CeleryExecutor":
            values["celery"] = self._celery_config()
        for section, overrides in self.extra_config.items():
            values.setdefault(section, {}).update(overrides)
        return values

    def _celery_config(self) -> dict[str, str]:
        celery = {
            "broker_url": self.broker_url or "",
            "worker_concurrency": str(self.celery_concurrency),
        }
        # Without one, Celery keeps task results in the metadata database (db+postgresql://).
        if self.result_backend:
            celery["result_backend"] = self.result_backend
        return celery

    def write_config(self) -> Path:
        """Write ``airflow.cfg`` (0600: it holds local secrets) so that a plain ``airflow``
        command with ``AIRFLOW_HOME`` set to this home talks to this Airflow too."""
        parser = configparser.ConfigParser(interpolation=None)
        for section, values in self.config().items():
            # Airflow reads the file with %-interpolation.
            parser[section] = {key: value.replace("%", "%%") for key, value in values.items()}
        path = self.home / "airflow.cfg"
        buffer = io.StringIO()
        parser.write(buffer)
        _write_private(path, buffer.getvalue())
        return path

    def environment(self) -> dict[str, str]:
        """The environment every Airflow process (and so every task) runs with."""
        env = {
            k: v
            for k, v in os.environ.items()
            # Settings come from this home's airflow.cfg, not from whatever the shell had.
            if not k.startswith("AIRFLOW__") and k not in ("AIRFLOW_HOME", "AIRFLOW_CONFIG")
        }
        env["AIRFLOW_HOME"] = str(self.home)
        env["AIRFLOW_CONFIG"] = str(self.home / "airflow.cfg")
        if self.warehouse_url or CONNECTION_ENV not in env:
            url = self.warehouse_url or self.postgres.start().url()
            env[CONNECTION_ENV] = WarehouseConnection.from_url(url).airflow_json()
        env.update(self.extra_env)
        return env

    def airflow_cli(
        self, *args: str, check: bool = True, timeout_s: float = 180.0
    ) -> subprocess.CompletedProcess:
        """Run ``airflow <args>`` of this interpreter against this Airflow."""
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.environment(),
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if check and result.returncode != 0:
            raise LocalAirflowError(
                f"airflow {' '.join(args[:3])} failed (exit {result.returncode}):\n"
                f"{_tail(result.stderr or result.stdout, 25)}"
            )
        return result

    def unpause(self, dag_id: str = DAG_ID) -> None:
        """Backfills and triggered runs of a paused DAG stay queued forever: unpause first.

        With catchup off, unpausing also creates the run of the latest complete month.
        """
        if self.dags().get(dag_id, {}).get("is_paused", True):
            self.airflow_cli("dags", "unpause", dag_id)

    def create_backfill(
        self,
        first: Month | str,
        last: Month | str,
        *,
        reprocess: str = "none",
        max_active_runs: int | None = None,
        dag_id: str = DAG_ID,
    ) -> int:
        """Queue one run per month from ``first`` to ``last``; returns the backfill's id."""
        first, last = _month(first), _month(last)
        if reprocess not in ("none", "completed", "failed"):
            raise LocalAirflowError(f"reprocess must be none, completed or failed, not {reprocess}")
        self.unpause(dag_id)
        args = [
            "backfill",
            "create",
            "--dag-id",
            dag_id,
            "--from-date",
            first.first_day.isoformat(),
            "--to-date",
            last.first_day.isoformat(),
            "--reprocess-behavior",
            reprocess,
        ]
        if max_active_runs:
            args += ["--max-active-runs", str(max_active_runs)]
        self.airflow_cli(*args)
        with self.metadata() as conn:
            row = conn.execute(
                "select max(id) from backfill where dag_id = %s", (dag_id,)
            ).fetchone()
        if not row or row[0] is None:
            raise LocalAirflowError(f"no backfill was recorded for {dag_id}")
        return int(row[0])

    def trigger(
        self,
        month: Month | str | None = None,
        *,
        logical_date: datetime | None = None,
        conf: dict[str, Any] | None = None,
        dag_id: str = DAG_ID,
    ) -> str:
        """Trigger a manual run (of ``month`` if given); returns its run id."""
        conf = dict(conf or {})
        if month is not None:
            conf["month"] = str(_month(month))
        self.unpause(dag_id)
        label = conf.get("month", "run")
        run_id = f"manual__{label}__{uuid.uuid4().hex[:8]}"
        args = ["dags", "trigger", dag_id, "--run-id", run_id, "--conf", json.dumps(conf)]
        if logical_date is not None:
            args += ["--logical-date", logical_date.isoformat()]
        self.airflow_cli(*args)
        return run_id

    # -- reading the metadata database ---------------------------------------------------

    @contextlib.contextmanager
    def metadata(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self._metadata_url("postgresql"), connect_timeout=10) as conn:
            yield conn

    def dags(self) -> dict[str, dict[str, Any]]:
        with self.metadata() as conn:
            rows = conn.execute("select dag_id, is_paused, is_stale from dag").fetchall()
        return {r[0]: {"is_paused": r[1], "is_stale": r[2]} for r in rows}

    def import_errors(self) -> dict[str, str]:
        with self.metadata() as conn:
            rows = conn.execute("select filename, stacktrace from import_error").fetchall()
        return {r[0]: r[1] for r in rows}

    def missing_pools(self) -> dict[str, int]:
        """Pools named by scheduled or queued tasks that do not exist (Airflow only logs it)."""
        with self.metadata() as conn:
            rows = conn.execute(
                "select ti.pool, count(*) from task_instance ti "
                "where ti.state in ('scheduled', 'queued') "
                "and not exists (select 1 from slot_pool p where p.pool = ti.pool) "
                "group by ti.pool order by ti.pool"
            ).fetchall()
        return dict(rows)

    def dag_runs(self, dag_id: str = DAG_ID) -> list[dict[str, Any]]:
        return self._rows(
            "select run_id, run_type, state, logical_date, data_interval_start, "
            "data_interval_end, start_date, end_date, backfill_id, conf "
            "from dag_run where dag_id = %s order by id",
            (dag_id,),
        )

    def task_instances(self, dag_id: str = DAG_ID, *, history: bool = False) -> list[dict]:
        """Current task instances; with ``history``, earlier tries (retries, clears) too."""
        query = (
            "select run_id, task_id, state, try_number, start_date, end_date, pool, "
            "false as is_history from task_instance where dag_id = %(dag)s"
        )
        if history:
            query += (
                " union all select run_id, task_id, state, try_number, start_date, end_date, "
                "pool, true from task_instance_history where dag_id = %(dag)s"
            )
        return self._rows(query + " order by start_date nulls last", {"dag": dag_id})

    def task_results(self, run_ids: list[str], dag_id: str = DAG_ID) -> dict[tuple[str, str], dict]:
        """What each task returned (its XCom return_value), by (run id, task id)."""
        with self.metadata() as conn:
            rows = conn.execute(
                "select run_id, task_id, value from xcom "
                "where dag_id = %s and key = 'return_value' and run_id = any(%s)",
                (dag_id, run_ids),
            ).fetchall()
        results = {}
        for run_id, task_id, value in rows:
            if isinstance(value, str | bytes):
                value = json.loads(value)
            results[(run_id, task_id)] = value if isinstance(value, dict) else {}
        return results

    def backfill_runs(self, backfill_id: int) -> list[dict[str, Any]]:
        return self._rows(
            "select dr.run_id, dr.state, dr.logical_date, dr.start_date, dr.end_date "
            "from backfill_dag_run b join dag_run dr on dr.id = b.dag_run_id "
            "where b.backfill_id = %s order by b.sort_ordinal",
            (backfill_id,),
        )

    def wait_for_backfill(self, backfill_id: int, timeout_s: float = 600.0) -> list[dict]:
        """Until the backfill is complete; returns its runs."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self.metadata() as conn:
                done = conn.execute(
                    "select completed_at is not null from backfill where id = %s", (backfill_id,)
                ).fetchone()
            runs = self.backfill_runs(backfill_id)
            if done and done[0] and all(r["state"] in TERMINAL_RUN_STATES for r in runs):
                return runs
            if time.monotonic() > deadline:
                states = ", ".join(f"{r['run_id']}={r['state']}" for r in runs)
                raise LocalAirflowError(
                    f"backfill {backfill_id} not done after {timeout_s}s: {states}"
                )
            time.sleep(1.0)

    def wait_for_runs(self, run_ids: Iterable[str], timeout_s: float = 600.0) -> list[dict]:
        wanted = set(run_ids)
        deadline = time.monotonic() + timeout_s
        while True:
            runs = [r for r in self.dag_runs() if r["run_id"] in wanted]
            if len(runs) == len(wanted) and all(r["state"] in TERMINAL_RUN_STATES for r in runs):
                return runs
            if time.monotonic() > deadline:
                states = ", ".join(f"{r['run_id']}={r['state']}" for r in runs)
                raise LocalAirflowError(f"runs not done after {timeout_s}s: {states}")
            time.sleep(1.0)

    def task_log(self, run_id: str, task_id: str, try_number: int = 1, dag_id: str = DAG_ID) -> str:
        path = (
            self.home
            / "logs"
            / f"dag_id={dag_id}"
            / f"run_id={run_id}"
            / f"task_id={task_id}"
            / f"attempt={try_number}.log"
        )
        return path.read_text(errors="replace") if path.exists() else ""

    def _rows(self, query: str, params: Any) -> list[dict[str, Any]]:
        with self.metadata() as conn, conn.cursor() as cur:
            cur.execute(query, params)
            names = [d.name for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    # -- internals -----------------------------------------------------------------------

    def _ensure_namespace_pools(self) -> None:
        """Each namespace in ``TAXI_NAMESPACES`` (see ``taxi_pipeline.orchestration.namespaces``)
        runs dbt in a one-slot pool of its own; without its pool a dbt task would wait forever."""
        pools = dbt_pools(configured_namespaces(self.environment()))
        pools.pop(DBT_POOL, None)
        if pools:
            path = self.home / "namespace_pools.json"
            path.write_text(json.dumps(pools))
            self.airflow_cli("pools", "import", str(path))

    def _secrets(self) -> dict[str, str]:
        path = self.home / "secrets.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            pass
        from cryptography.fernet import Fernet

        values = {
            "metadata_password": secrets.token_urlsafe(24),
            "fernet_key": Fernet.generate_key().decode(),
            "jwt_secret": secrets.token_urlsafe(32),
            "api_secret_key": secrets.token_urlsafe(32),
        }
        self.home.mkdir(parents=True, exist_ok=True)
        _write_private(path, json.dumps(values))
        return values

    def _metadata_url(self, scheme: str) -> str:
        info = self.postgres.connection()
        password = quote(self._secrets()["metadata_password"], safe="")
        return f"{scheme}://{_METADATA_ROLE}:{password}@{info.host}:{info.port}/{_METADATA_DB}"

    def _ensure_metadata_database(self) -> None:
        info = self.postgres.start()
        password = self._secrets()["metadata_password"]
        with psycopg.connect(info.url("postgres"), autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute(
                "select 1 from pg_roles where rolname = %s", (_METADATA_ROLE,)
            ).fetchone()
            verb = "alter" if exists else "create"
            conn.execute(
                sql.SQL(verb + " role {} login password {}").format(
                    sql.Identifier(_METADATA_ROLE), sql.Literal(password)
                )
            )
            if not conn.execute(
                "select 1 from pg_database where datname = %s", (_METADATA_DB,)
            ).fetchone():
                conn.execute(
                    sql.SQL("create database {} owner {}").format(
                        sql.Identifier(_METADATA_DB), sql.Identifier(_METADATA_ROLE)
                    )
                )

    def _start(self, component: str) -> int:
        args = [sys.executable, "-m", "airflow", component]
        if component == "api-server":
            args += ["--host", "127.0.0.1", "--port", str(self.api_port)]
        elif component.startswith(CELERY_WORKER_PREFIX):
            args = [
                *args[:3],
                "celery",
                "worker",
                # Celery tells workers apart by node name; on one host only this differs.
                "--celery-hostname",
                f"{component}@%h",
                "--concurrency",
                str(self.celery_concurrency),
                # Every worker here shares this home, so the API server reads task logs from
                # disk; two log servers on one host would fight over one port.
                "--skip-serve-logs",
            ]
        log_offset = (
            self.log_file(component).stat().st_size if self.log_file(component).exists() else 0
        )
        env = self.environment()
        if component == "scheduler" or component.startswith(CELERY_WORKER_PREFIX):
            # The processes that fork task processes: each dbt task then starts with dbt loaded.
            env["TAXI_PRELOAD_DBT"] = "1"
        with open(self.log_file(component), "ab") as log:
            proc = subprocess.Popen(
                args,
                env=env,
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so that down() also stops the workers it forks.
                start_new_session=True,
            )
        self._pid_file(component).write_text(
            json.dumps(
                {"pid": proc.pid, "started": _start_time(proc.pid), "log_offset": log_offset}
            )
        )
        return proc.pid

    def _pid(self, component: str) -> int | None:
        """The component's pid if the process recorded at its start is still that process."""
        try:
            saved = json.loads(self._pid_file(component).read_text())
        except (OSError, ValueError):
            return None
        pid = int(saved["pid"])
        started = _start_time(pid)
        if started is None or started != saved.get("started"):
            return None
        return pid

    def _alive(self, component: str) -> bool:
        return self._pid(component) is not None

    def _worker_ready(self, component: str) -> bool:
        try:
            offset = int(json.loads(self._pid_file(component).read_text()).get("log_offset", 0))
            with open(self.log_file(component), "rb") as log:
                log.seek(offset)
                return b" ready." in log.read()
        except (OSError, ValueError):
            return False

    def _log_tail(self, component: str, lines: int = 30) -> str:
        try:
            return _tail(self.log_file(component).read_text(errors="replace"), lines)
        except OSError:
            return "(no log)"


def _month(value: Month | str) -> Month:
    return value if isinstance(value, Month) else Month.parse(value)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot: tells a live pid from a reused one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def _stop_group(pid: int, timeout_s: float) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _group_alive(pid):
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Zombies of our own children still count for killpg; reap them if they are ours.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)
    return _start_time(pgid) is not None or _any_member(pgid)


def _any_member(pgid: int) -> bool:
    return any(process.group == pgid for process in _live_processes())


def _leftover_tree(leader: int) -> list[int]:
    """Live Airflow processes still in the session that ``leader`` (gone now) started, and all
    their descendants. The session also holds the task processes, which get process groups of
    their own and are re-parented to init when their supervisor dies with the leader."""
    parents: dict[int, int] = {}
    sessions: dict[int, int] = {}
    for process in _live_processes():
        parents[process.pid] = process.parent
        sessions[process.pid] = process.session
    found = [
        pid
        for pid, session in sessions.items()
        # A recycled session id would belong to some other program.
        if session == leader and b"airflow" in _cmdline(pid)
    ]
    queue = list(found)
    while queue:
        parent = queue.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in found]
        found += children
        queue += children
    return found


@dataclass(frozen=True)
class _Process:
    pid: int
    parent: int
    group: int
    session: int


def _live_processes() -> Iterator[_Process]:
    """Every process on the machine but zombies, from /proc; one that ends while it is read is
    passed over."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # The command name before the fields may hold spaces and ")": split after its last ")".
            fields = stat[stat.rindex(")") + 2 :].split()
            state = fields[0]
            process = _Process(int(entry.name), int(fields[1]), int(fields[2]), int(fields[3]))
        except (OSError, ValueError, IndexError):
            continue
        if state != "Z":
            yield process


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _last_line(text: str) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
