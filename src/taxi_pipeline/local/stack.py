"""The local stack behind ``taxi-pipeline up/down/status/backfill/run/verify/demo``.

One state dir holds everything: the embedded PostgreSQL (warehouse database ``taxi`` and Airflow's
metadata database), the Airflow home, and, on machines that cannot reach TLC, a mirror process
serving the bundled sample months on 127.0.0.1 through the same download code path.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from taxi_pipeline.core.errors import InvalidParameter, PipelineError
from taxi_pipeline.core.months import Month, month_of_run
from taxi_pipeline.core.names import (
    DEFAULT_TLC_BASE_URL,
    FAILURE_XCOM_KEY,
    TRIP_SERVICES,
    service_dag_id,
)
from taxi_pipeline.core.schema import service_schema
from taxi_pipeline.core.settings import Settings
from taxi_pipeline.core.source import trip_file_url
from taxi_pipeline.core.warehouse import MonthState, Warehouse
from taxi_pipeline.local.airflow import LocalAirflow
from taxi_pipeline.local.airflow_status import missing_pool_message
from taxi_pipeline.local.postgres import free_port

SAMPLES_DIR = Path(__file__).resolve().parents[3] / "data" / "tlc"
ADMIN_USER = "admin"
# How long a running scheduler that does not look healthy is asked again before giving up.
READINESS_WAIT_S = 20.0


class StackError(PipelineError):
    """The local stack is not in a state to do what was asked."""


@dataclass
class MonthSummary:
    service: str
    month: str
    state: str
    rows_in_file: int | None = None
    rows_loaded: int | None = None
    spillover_rows: int | None = None
    tests: dict | None = None
    seconds: float | None = None
    # For a failed run: the task that failed and its error, one line.
    failed_task: str | None = None
    failure: str | None = None


class LocalStack:
    def __init__(self, settings: Settings, api_port: int | None = None):
        self.settings = settings
        # The runs it triggers and follows are those of the service's own DAG.
        self.dag_id = service_dag_id(settings.service)
        self.state_dir = settings.state_dir
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._mirror_file = self.state_dir / "mirror.json"
        self.airflow = LocalAirflow(
            self.state_dir,
            api_port=api_port,
            warehouse_url=settings.given_warehouse_url(),
            extra_env={"TAXI_TLC_BASE_URL": self.tlc_base_url()},
        )

    # -- the TLC source ------------------------------------------------------------------

    def tlc_base_url(self) -> str:
        """An explicit setting, else the mirror this stack started, else TLC itself."""
        if (
            os.environ.get("TAXI_TLC_BASE_URL")
            or self.settings.tlc_base_url != DEFAULT_TLC_BASE_URL
        ):
            return self.settings.tlc_base_url
        mirror = self._mirror()
        return mirror["base_url"] if mirror else DEFAULT_TLC_BASE_URL

    def ensure_source(self, prefer_tlc: bool, echo) -> str:
        """Use TLC when it answers (or when asked), else serve the bundled months locally."""
        explicit = os.environ.get("TAXI_TLC_BASE_URL") or (
            self.settings.tlc_base_url != DEFAULT_TLC_BASE_URL
        )
        if explicit:
            return self.settings.tlc_base_url
        if self._mirror():
            return self._mirror()["base_url"]
        if prefer_tlc or tlc_reachable():
            return DEFAULT_TLC_BASE_URL
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "taxi_pipeline.cli.main",
                "mirror",
                "--folder",
                str(SAMPLES_DIR),
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base_url = f"http://127.0.0.1:{port}/trip-data"
        _wait_for(lambda: _answers(base_url + "/"), 15, "the local TLC mirror did not start")
        self._mirror_file.write_text(json.dumps({"pid": process.pid, "base_url": base_url}))
        echo(f"TLC is not reachable from here: serving the bundled months at {base_url}")
        return base_url

    def _mirror(self) -> dict | None:
        try:
            mirror = json.loads(self._mirror_file.read_text())
            os.kill(mirror["pid"], 0)
            return mirror
        except (OSError, ValueError, KeyError):
            return None

    def stop_mirror(self) -> None:
        mirror = self._mirror()
        if mirror:
            os.killpg(mirror["pid"], signal.SIGTERM)
        self._mirror_file.unlink(missing_ok=True)

    # -- lifecycle -----------------------------------------------------------------------

    def up(self, prefer_tlc: bool, echo, unpause: tuple[str, ...] = ()) -> None:
        """Start the stack on TLC's files or the bundled ones; unpause the DAGs ``unpause``
        (by default the project's)."""
        base_url = self.ensure_source(prefer_tlc, echo)
        self.airflow.extra_env["TAXI_TLC_BASE_URL"] = base_url
        echo(
            "starting PostgreSQL and Airflow (api-server, scheduler, dag-processor, triggerer) ..."
        )
        status = self.airflow.up()
        if status.import_errors:
            raise StackError(_import_errors_text(status.import_errors))
        self.airflow.unpause(*unpause)
        # What backfill, run and status check in a process of their own: up returns only once
        # they will find the stack ready.
        self.require_scheduler()

    def down(self) -> None:
        self.airflow.down(stop_postgres=True)
        self.stop_mirror()

    def require_scheduler(self, wait_s: float = READINESS_WAIT_S) -> None:
        """Fail unless a scheduler is running, healthy, and every DAG file imports.

        A health probe that times out on a busy API server, or a heartbeat read a moment before
        the next one, does not make a running scheduler dead: a scheduler whose process runs is
        asked again for ``wait_s`` before this concludes, and the error says which check failed.
        """
        deadline = time.monotonic() + wait_s
        while True:
            status = self.airflow.status()
            scheduler = next(c for c in status.components if c.name == "scheduler")
            if scheduler.running and scheduler.healthy:
                break
            if not scheduler.running:
                raise StackError(
                    "no scheduler is running, so queued runs would never start: run "
                    "`taxi-pipeline up` first (then `taxi-pipeline status` to check; the "
                    f"scheduler's log is {self.airflow.log_file('scheduler')})"
                )
            if time.monotonic() > deadline:
                raise StackError(
                    f"the scheduler (pid {scheduler.pid}) is running, but {scheduler.detail} "
                    f"after {wait_s:.0f}s of asking, so runs may not start. Check "
                    f"`taxi-pipeline status` and the scheduler's log "
                    f"({self.airflow.log_file('scheduler')}); if it stays so, restart the stack "
                    "with `taxi-pipeline down` and `taxi-pipeline up`."
                )
            time.sleep(1.0)
        if status.import_errors:
            raise StackError(_import_errors_text(status.import_errors))

    # -- runs ----------------------------------------------------------------------------

    def month_summaries(self, run_ids: list[str], service: str | None = None) -> list[MonthSummary]:
        """What each run of ``service``'s DAG (by default the stack's service) did, by month."""
        service = service or self.settings.service
        return self._summaries(service, self.airflow.dag_runs(service_dag_id(service)), run_ids)

    def failed_months(self) -> list[MonthSummary]:
        """Every service's months whose latest run failed, with the task that failed and why."""
        found = []
        for service in TRIP_SERVICES:
            runs = self.airflow.dag_runs(service_dag_id(service))
            latest = {_run_month(run): run for run in runs}
            failed = [run["run_id"] for run in latest.values() if run["state"] == "failed"]
            found += self._summaries(service, runs, failed) if failed else []
        return found

    def _summaries(
        self, service: str, dag_runs: list[dict], run_ids: list[str]
    ) -> list[MonthSummary]:
        """``month_summaries`` of ``run_ids``, given every run of the service's DAG."""
        dag_id = service_dag_id(service)
        runs = {r["run_id"]: r for r in dag_runs}
        results = self.airflow.task_results(run_ids, dag_id)
        failed_tasks = self.airflow.failed_tasks(run_ids, dag_id)
        failures = self.airflow.task_results(run_ids, dag_id, key=FAILURE_XCOM_KEY)
        summaries = []
        for run_id in run_ids:
            run = runs.get(run_id, {})
            ingest = results.get((run_id, "ingest_taxi_month")) or {}
            tests = (results.get((run_id, "dbt_test")) or {}).get("tests")
            start, end = run.get("start_date"), run.get("end_date")
            summary = MonthSummary(
                service=service,
                month=ingest.get("month") or _run_month(run),
                state=run.get("state", "unknown"),
                rows_in_file=ingest.get("rows_in_file"),
                rows_loaded=ingest.get("rows_loaded"),
                spillover_rows=ingest.get("spillover_rows"),
                tests=tests,
                seconds=(end - start).total_seconds() if start and end else None,
            )
            if failed := failed_tasks.get(run_id):
                summary.failed_task = failed["task_id"]
                left = failures.get((run_id, failed["task_id"])) or {}
                log = self.airflow.task_log_path(
                    run_id, failed["task_id"], failed["try_number"], dag_id
                )
                summary.failure = left.get("error") or (
                    "failed without leaving an error (killed, out of memory or timed out?): "
                    f"see its log, {log}"
                )
            summaries.append(summary)
        return sorted(summaries, key=lambda s: s.month)

    def wait(self, run_ids: list[str], echo, timeout_s: float = 3600) -> list[dict]:
        """Until every run is finished, echoing progress whenever it changes."""
        deadline = time.monotonic() + timeout_s
        last = None
        while True:
            runs = [r for r in self.airflow.dag_runs(self.dag_id) if r["run_id"] in set(run_ids)]
            done = sum(r["state"] == "success" for r in runs)
            failed = sum(r["state"] == "failed" for r in runs)
            running = sum(r["state"] == "running" for r in runs)
            queued = len(run_ids) - done - failed - running
            line = (
                f"months: {done} done, {running} running, {queued} queued, {failed} failed "
                f"(of {len(run_ids)})"
            )
            if line != last:
                echo(line)
                last = line
            if done + failed == len(run_ids) and len(runs) == len(run_ids):
                return runs
            if missing := self.airflow.missing_pools():
                raise StackError(
                    " ".join(missing_pool_message(pool, n) for pool, n in missing.items())
                    + " The runs are kept and go on once the pool exists."
                )
            if time.monotonic() > deadline:
                raise StackError(f"runs still not finished after {timeout_s:.0f}s: {line}")
            time.sleep(2)

    def backfill_run_ids(self, backfill_id: int) -> list[str]:
        return [r["run_id"] for r in self.airflow.backfill_runs(backfill_id)]

    # -- the warehouse -------------------------------------------------------------------

    def warehouse(self) -> Warehouse:
        url = self.settings.given_warehouse_url() or self.airflow.postgres.connection().url()
        return Warehouse(url, service_schema(self.settings.service), self.settings.raw_schema)

    def month_state(self, month: Month) -> MonthState | None:
        return next(
            (s for s in self.warehouse().month_states() if s.source_month == str(month)), None
        )


def tlc_reachable(timeout_s: float = 5.0) -> bool:
    try:
        response = requests.head(
            trip_file_url(DEFAULT_TLC_BASE_URL, "green", Month(2024, 1)), timeout=timeout_s
        )
    except requests.RequestException:
        return False
    return response.status_code == 200


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.RequestException:
        return False
    return True


def _wait_for(predicate, timeout_s: float, message: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise StackError(message)
        time.sleep(0.2)


def _run_month(run: dict) -> str:
    """The month a run processes, decided as its tasks decide it."""
    conf = run.get("conf") if isinstance(run.get("conf"), dict) else {}
    try:
        month, _ = month_of_run(
            month_param=conf.get("month"),
            run_type=run.get("run_type"),
            interval_start=run.get("data_interval_start"),
            interval_end=run.get("data_interval_end"),
            logical_date=run.get("logical_date"),
        )
    except InvalidParameter:
        return "?"
    return str(month)


def _import_errors_text(errors: dict[str, str]) -> str:
    lines = ["DAG import errors: these DAG files failed to load and their DAGs are missing:"]
    for filename, trace in errors.items():
        lines.append(f"  {filename}")
        lines.extend(f"    {line}" for line in trace.strip().splitlines()[-6:])
    return "\n".join(lines)
