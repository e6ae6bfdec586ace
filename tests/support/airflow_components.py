"""One component of a local Airflow at a time, for the fault drills: its pid, a crash, a restart."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime

import requests

from taxi_pipeline.local.airflow import LocalAirflow
from taxi_pipeline.local.airflow_processes import HEALTH_KEYS, stop_group
from taxi_pipeline.local.airflow_status import AirflowStatus, LocalAirflowError


def pid(airflow: LocalAirflow, component: str) -> int | None:
    """The main pid of a running component, else None."""
    _check_component(airflow, component)
    return airflow._pid(component)


def kill(airflow: LocalAirflow, component: str, sig: signal.Signals = signal.SIGKILL) -> int:
    """Send ``sig`` to the component's main process only, as a crash or the OOM killer
    would: the processes it forked (executor workers, tasks) are not signalled."""
    main_pid = pid(airflow, component)
    if main_pid is None:
        raise LocalAirflowError(f"{component} is not running")
    os.kill(main_pid, sig)
    if sig == signal.SIGKILL:
        deadline = time.monotonic() + 10
        while airflow._alive(component) and time.monotonic() < deadline:
            time.sleep(0.1)
    return main_pid


def restart(airflow: LocalAirflow, component: str, timeout_s: float = 240.0) -> AirflowStatus:
    """Start the component afresh, as a process supervisor (systemd, a container runtime)
    would, and wait until everything is healthy with the new process heartbeating.

    A running component is stopped with its process group. One that died first has what it
    left behind killed: every Airflow process of its session and their descendants. A
    scheduler's forked LocalExecutor workers share its open metadata-database connections,
    so a transaction the dead scheduler had open stays open, with its row locks, for as
    long as they live, and the new scheduler would wait on those locks.
    """
    main_pid = pid(airflow, component)
    if main_pid is not None:
        stop_group(main_pid, 30.0)
    else:
        airflow.kill_leftovers(component)
    started = datetime.now(UTC)
    airflow._start(component)
    key = HEALTH_KEYS.get(component)
    if key is not None:
        # Health is judged by the latest heartbeat of any process of that kind, and a
        # killed one's is still fresh for a while: wait for one newer than this start.
        deadline = time.monotonic() + timeout_s
        while _latest_heartbeat(airflow, key) is None or _latest_heartbeat(airflow, key) < started:
            if not airflow._alive(component):
                tail = airflow._log_tail(component)
                raise LocalAirflowError(f"{component} exited on restart:\n{tail}")
            if time.monotonic() > deadline:
                raise LocalAirflowError(f"{component} sent no heartbeat after {timeout_s}s")
            time.sleep(0.5)
    return airflow.wait_healthy(timeout_s)


def _latest_heartbeat(airflow: LocalAirflow, key: str) -> datetime | None:
    try:
        response = requests.get(f"{airflow.api_url}/api/v2/monitor/health", timeout=5)
        value = (response.json().get(key) or {}).get(f"latest_{key}_heartbeat")
    except (requests.RequestException, ValueError):
        return None
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_component(airflow: LocalAirflow, component: str) -> None:
    if component not in airflow.components:
        raise LocalAirflowError(
            f"unknown component {component!r}: one of {', '.join(airflow.components)}"
        )
