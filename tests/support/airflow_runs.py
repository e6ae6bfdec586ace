"""Waiting for a local Airflow's runs and reading their task logs, as the end-to-end tests do."""

from __future__ import annotations

import time
from collections.abc import Iterable

from taxi_pipeline.core.names import DAG_ID
from taxi_pipeline.local.airflow import LocalAirflow
from taxi_pipeline.local.airflow_metadata import TERMINAL_RUN_STATES
from taxi_pipeline.local.airflow_status import LocalAirflowError


def wait_for_runs(
    airflow: LocalAirflow, run_ids: Iterable[str], timeout_s: float = 600.0
) -> list[dict]:
    wanted = set(run_ids)
    deadline = time.monotonic() + timeout_s
    while True:
        runs = [r for r in airflow.dag_runs() if r["run_id"] in wanted]
        if len(runs) == len(wanted) and all(r["state"] in TERMINAL_RUN_STATES for r in runs):
            return runs
        if time.monotonic() > deadline:
            states = ", ".join(f"{r['run_id']}={r['state']}" for r in runs)
            raise LocalAirflowError(f"runs not done after {timeout_s}s: {states}")
        time.sleep(1.0)


def task_log(
    airflow: LocalAirflow, run_id: str, task_id: str, try_number: int = 1, dag_id: str = DAG_ID
) -> str:
    path = airflow.task_log_path(run_id, task_id, try_number, dag_id)
    return path.read_text(errors="replace") if path.exists() else ""
