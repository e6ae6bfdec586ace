"""The local Airflow's processes: starting them, their pid files, stopping each with its process
group, killing what a dead one left behind, and their health.

Each component runs in a process group of its own, so that stopping it also stops the workers it
forked; its pid file records the process's start time, which tells a live pid from a reused one.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import requests

from taxi_pipeline.core.errors import PipelineError
from taxi_pipeline.local.airflow_status import AirflowStatus, ComponentStatus, LocalAirflowError

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
CELERY_WORKER_PREFIX = "celery-worker-"
# Health keys of /api/v2/monitor/health for the components that heartbeat.
HEALTH_KEYS = {
    "scheduler": "scheduler",
    "dag-processor": "dag_processor",
    "triggerer": "triggerer",
}
HEALTH_PROBES = 3


class AirflowProcesses:
    """``LocalAirflow``'s processes, from the attributes it sets and its metadata queries."""

    @property
    def components(self) -> tuple[str, ...]:
        """The processes this Airflow runs: the four core ones, then any Celery workers."""
        workers = tuple(f"{CELERY_WORKER_PREFIX}{i}" for i in range(1, self.celery_workers + 1))
        return COMPONENTS + workers

    def log_file(self, component: str) -> Path:
        return self.run_dir / f"{component}.log"

    def _pid_file(self, component: str) -> Path:
        return self.run_dir / f"{component}.pid"

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
            elif api_detail:
                # Airflow reports these components' health through the API: unknown, not bad.
                healthy, detail = None, f"health unknown: {api_detail}"
            else:
                key = HEALTH_KEYS[component]
                info = health.get(key) or {}
                healthy = running and info.get("status") == "healthy"
                detail = "" if healthy else _heartbeat_problem(info.get(f"latest_{key}_heartbeat"))
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

    def kill_leftovers(self, component: str) -> list[int]:
        """SIGKILL what a dead component left running; returns the pids killed."""
        try:
            leader = int(json.loads(self._pid_file(component).read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return []
        if self._alive(component):
            raise LocalAirflowError(f"{component} is running: stop or restart it instead")
        if process_start_time(leader) is not None:
            # The pid went to a new process, so the kernel had released it: nothing of that
            # session is left, and the session now under that id belongs to someone else.
            return []
        victims = _leftover_tree(leader)
        for victim in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(victim, signal.SIGKILL)
        return victims

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
        self.write_pid_file(component, proc.pid, log_offset)
        return proc.pid

    def write_pid_file(self, component: str, pid: int, log_offset: int = 0) -> None:
        """Record ``pid`` as the component's process, with its start time (which tells it from a
        later process given the same pid) and the size its log had when it started."""
        saved = {"pid": pid, "started": process_start_time(pid), "log_offset": log_offset}
        self._pid_file(component).write_text(json.dumps(saved))

    def _pid(self, component: str) -> int | None:
        """The component's pid if the process recorded at its start is still that process."""
        try:
            saved = json.loads(self._pid_file(component).read_text())
        except (OSError, ValueError):
            return None
        pid = int(saved["pid"])
        started = process_start_time(pid)
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
            return tail(self.log_file(component).read_text(errors="replace"), lines)
        except OSError:
            return "(no log)"


def _heartbeat_problem(latest: str | None) -> str:
    return f"heartbeat stale since {latest}" if latest else "no heartbeat recorded yet"


def process_start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot: tells a live pid from a reused one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def stop_group(pid: int, timeout_s: float) -> None:
    stop_groups([pid], timeout_s)


def stop_groups(pids: list[int], timeout_s: float) -> None:
    """SIGTERM each process group at once, then SIGKILL the ones still alive after ``timeout_s``:
    the groups shut down side by side rather than one after the other."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _group_alive(pid)]
        if alive:
            time.sleep(0.2)
    for pid in alive:
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
    return process_start_time(pgid) is not None or _any_member(pgid)


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


def tail(text: str, lines: int) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
