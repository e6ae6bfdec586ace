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

import json
import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import DAG_ID, DBT_POOL, DBT_POOL_DESCRIPTION
from taxi_pipeline.local.airflow_config import AirflowConfig, write_private
from taxi_pipeline.local.airflow_metadata import AirflowMetadata
from taxi_pipeline.local.airflow_processes import (
    CELERY_WORKER_PREFIX,
    AirflowProcesses,
    stop_groups,
    tail,
)
from taxi_pipeline.local.airflow_status import AirflowStatus, LocalAirflowError
from taxi_pipeline.local.postgres import EmbeddedPostgres, free_port, port_is_free
from taxi_pipeline.orchestration.namespaces import configured_namespaces, dbt_pools

EXECUTORS = ("LocalExecutor", "CeleryExecutor")
REPO_DAGS_FOLDER = Path(__file__).resolve().parents[3] / "dags"
# Imported by every Airflow component at start-up; preloads dbt where TAXI_PRELOAD_DBT=1.
LOCAL_SETTINGS = Path(__file__).resolve().parents[3] / "deploy" / "airflow_local_settings.py"


class LocalAirflow(AirflowConfig, AirflowProcesses, AirflowMetadata):
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
        # While the components start (the API server alone takes half a minute): no task is
        # queued before they are up and the DAG is unpaused.
        self.ensure_pools()
        return self.wait_healthy(timeout_s)

    def prepare(self) -> None:
        """Secrets, metadata database and schema; safe to repeat."""
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
        write_private(self.home / "executor.json", json.dumps(executor))
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
            write_private(
                self.admin_password_file, json.dumps({"admin": secrets.token_urlsafe(12)}) + "\n"
            )
        self.airflow_cli("db", "migrate", timeout_s=600)

    def down(self, timeout_s: float = 30.0, stop_postgres: bool = False) -> None:
        """Stop the components this state dir started (each with its process group)."""
        # Workers of an earlier, larger start too: whatever left a pid file here.
        leftovers = sorted(
            p.stem
            for p in self.run_dir.glob(f"{CELERY_WORKER_PREFIX}*.pid")
            if p.stem not in self.components
        )
        running = {}
        for component in (*self.components, *leftovers):
            pid = self._pid(component)
            if pid is not None:
                running[component] = pid
            else:
                self.kill_leftovers(component)
        # Together, but the API server last: a task still finishing reports to it.
        api_server = [running.pop("api-server")] if "api-server" in running else []
        stop_groups(list(running.values()), timeout_s)
        stop_groups(api_server, timeout_s)
        for component in (*self.components, *leftovers):
            self._pid_file(component).unlink(missing_ok=True)
        if stop_postgres:
            self.postgres.stop()

    # -- commands ------------------------------------------------------------------------

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
                f"{tail(result.stderr or result.stdout, 25)}"
            )
        return result

    def unpause(self, *dag_ids: str) -> None:
        """Backfills and triggered runs of a paused DAG stay queued forever: unpause first
        (``dag_ids``, by default the project's DAG; several in one ``airflow`` command).

        With catchup off, unpausing also creates the run of the latest complete month.
        """
        dags = self.dags()
        paused = [d for d in dag_ids or (DAG_ID,) if dags.get(d, {}).get("is_paused", True)]
        if len(paused) == 1:
            self.airflow_cli("dags", "unpause", paused[0])
        elif paused:
            pattern = f"^({'|'.join(re.escape(dag_id) for dag_id in paused)})$"
            self.airflow_cli("dags", "unpause", "--treat-dag-id-as-regex", "--yes", pattern)

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
        self.wait_for_backfill_slot(dag_id)
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

    def ensure_pools(self) -> None:
        """The one-slot ``dbt`` pool, and the one of each namespace in ``TAXI_NAMESPACES`` (see
        ``taxi_pipeline.orchestration.namespaces``): without its pool a dbt task would wait
        forever. One ``airflow pools import`` for all of them; safe to repeat."""
        pools = dbt_pools(configured_namespaces(self.environment()))
        pools[DBT_POOL] = {
            "slots": 1,
            "description": DBT_POOL_DESCRIPTION,
            "include_deferred": False,
        }
        path = self.home / "pools.json"
        path.write_text(json.dumps(pools))
        self.airflow_cli("pools", "import", str(path))


def _month(value: Month | str) -> Month:
    return value if isinstance(value, Month) else Month.parse(value)
