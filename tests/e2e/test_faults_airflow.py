"""Processes of the session's Airflow killed while a month is loading.

A scheduler that dies mid-backfill and a task process that dies mid-task must both end in months
that hold exactly their file's rows (none missing, doubled or half-loaded), with dbt still one
invocation at a time and no pool slot left taken. Each test leaves the session's Airflow as it
found it: every component running, no run of its own still going, the pools free.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import requests

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import DAG_ID, DBT_POOL
from taxi_pipeline.core.pipeline import ingest_month
from taxi_pipeline.core.schema import service_schema
from taxi_pipeline.core.settings import Settings
from taxi_pipeline.core.warehouse import Warehouse
from taxi_pipeline.local.airflow import LocalAirflow
from taxi_pipeline.local.airflow_status import LocalAirflowError
from tests.support import airflow_components, airflow_runs
from tests.support.databases import scratch_database
from tests.support.sample_months import file_name, month_report, rows_in_sample
from tests.support.timings import TIMINGS
from tests.support.tlc_server import Fault

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BACKFILL = (Month(2023, 12), Month(2024, 1))
MANUAL = Month(2023, 1)
RUN_TIMEOUT_S = 420
# Long enough to kill something while the download is held back, well short of the download
# timeout, so the held-back try itself can still succeed.
SLOW_DOWNLOAD_S = 25.0
# States of a task instance whose current try has not run (cleared, waiting, or never to run).
NOT_RUN_THIS_TRY = (None, "scheduled", "queued", "upstream_failed", "skipped")
# A killed task must be noticed by its supervisor, not by the 5-minute heartbeat timeout.
NOTICED_WITHIN_S = 60.0


# -- what the warehouse holds ----------------------------------------------------------------


def assert_months_exact(url: str, months: Iterable[Month], reference: dict[str, str]) -> None:
    """Every month holds its whole file once, in every layer, and its raw rows are the very rows
    an undisturbed load of the file gives."""
    report = month_report(url)
    for month in months:
        key = str(month)
        assert key in report, f"{key} is missing from the warehouse"
        state = report[key]
        expected = rows_in_sample(month)
        assert state["rows"] == expected, (
            f"{key}: {state['rows']} raw rows, the file has {expected}"
        )
        assert state["rows_in_file"] == expected, key
        assert state["checksum"] == reference[key], f"{key}: not the rows of a clean load"
        assert state["fct_trips"] == expected, f"{key}: fct_trips rows"
        assert state["summary_trips"] == expected, f"{key}: mart_monthly_summary trips"


def clean_load_checksums(pg_server, tlc_mirror, work_dir: Path) -> dict[str, str]:
    """Raw checksum per sample month after a clean load, in a database of its own."""
    with scratch_database(pg_server.connection(), "t_reference_") as url:
        tlc_mirror.reset()
        settings = Settings(tlc_base_url=tlc_mirror.base_url, state_dir=work_dir)
        for month in (MANUAL, *BACKFILL):
            ingest_month(settings, month, url)
        states = Warehouse(url, service_schema("green"), "raw").month_states()
        return {s.source_month: s.checksum for s in states}


@pytest.fixture(scope="module")
def reference(pg_server, tlc_mirror, tmp_path_factory) -> dict[str, str]:
    return clean_load_checksums(pg_server, tlc_mirror, tmp_path_factory.mktemp("reference"))


# -- what Airflow recorded -------------------------------------------------------------------


def assert_dbt_never_overlapped(airflow: LocalAirflow) -> int:
    spans = sorted(
        (ti["start_date"], ti["end_date"], ti["run_id"], ti["task_id"], ti["try_number"])
        for ti in airflow.task_instances(history=True)
        if ti["task_id"] in ("dbt_run", "dbt_test")
        and ti["start_date"]
        and ti["end_date"]
        # Such a row still shows the dates of the last try, which the history holds already.
        and ti["state"] not in NOT_RUN_THIS_TRY
    )
    for earlier, later in itertools.pairwise(spans):
        assert later[0] >= earlier[1], f"{later[2:]} started before {earlier[2:]} ended"
    return len(spans)


def slots_taken(airflow: LocalAirflow, pool: str) -> list[tuple[str, str]]:
    with airflow.metadata() as conn:
        return conn.execute(
            "select run_id, task_id from task_instance where pool = %s "
            "and state in ('running', 'queued')",
            (pool,),
        ).fetchall()


def task_instance(airflow: LocalAirflow, run_id: str, task_id: str) -> dict[str, Any] | None:
    with airflow.metadata() as conn, conn.cursor() as cur:
        cur.execute(
            "select id, state, try_number, pid from task_instance "
            "where dag_id = %s and run_id = %s and task_id = %s",
            (DAG_ID, run_id, task_id),
        )
        row = cur.fetchone()
        return (
            None if row is None else dict(zip([d.name for d in cur.description], row, strict=True))
        )


def tries(
    airflow: LocalAirflow, run_id: str, task_id: str, since: datetime
) -> list[tuple[int, str]]:
    """(try number, state) of the tries that started at ``since`` or later: the same backfill
    run may have been run by earlier tests of the session."""
    return sorted(
        (t["try_number"], t["state"])
        for t in airflow.task_instances(history=True)
        if t["run_id"] == run_id
        and t["task_id"] == task_id
        and t["start_date"] is not None
        and t["start_date"] >= since
    )


def db_now(airflow: LocalAirflow) -> datetime:
    with airflow.metadata() as conn:
        return conn.execute("select now()").fetchone()[0]


def run_of_month(runs: list[dict], month: Month) -> str:
    for run in runs:
        if run.get("logical_date") and Month.of(run["logical_date"]) == month:
            return run["run_id"]
    raise AssertionError(f"no run for {month} in {runs}")


def api_headers(airflow: LocalAirflow) -> dict[str, str]:
    token = requests.post(
        f"{airflow.api_url}/auth/token",
        json={"username": "admin", "password": airflow.admin_password()},
        timeout=30,
    )
    token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def clear_task(airflow: LocalAirflow, run_id: str, task_id: str) -> None:
    """Re-run one task of a run now, as an operator would from the UI (Clear)."""
    response = requests.post(
        f"{airflow.api_url}/api/v2/dags/{DAG_ID}/clearTaskInstances",
        headers=api_headers(airflow),
        json={
            "dry_run": False,
            "dag_run_id": run_id,
            "task_ids": [task_id],
            "only_failed": False,
            "reset_dag_runs": True,
        },
        timeout=60,
    )
    response.raise_for_status()
    assert [ti["task_id"] for ti in response.json()["task_instances"]] == [task_id]


def stop_unfinished(airflow: LocalAirflow, backfill_id: int | None, run_ids: Iterable[str]) -> None:
    """After a failed test: no run of it may stay running into the next test (an unfinished
    backfill would also refuse every later one). Best effort: the test's own error matters more."""
    with contextlib.suppress(requests.RequestException, psycopg.Error):
        headers = api_headers(airflow)
        if backfill_id is not None:
            requests.put(
                f"{airflow.api_url}/api/v2/backfills/{backfill_id}/cancel",
                headers=headers,
                timeout=30,
            )
        for run in airflow.dag_runs():
            if run["run_id"] in set(run_ids) and run["state"] not in ("success", "failed"):
                requests.patch(
                    f"{airflow.api_url}/api/v2/dags/{DAG_ID}/dagRuns/"
                    f"{quote(run['run_id'], safe='')}",
                    headers=headers,
                    json={"state": "failed"},
                    timeout=30,
                )


def diagnosis(airflow: LocalAirflow, run_ids: Iterable[str]) -> str:
    """Task instances of the runs and the scheduler's last words, for a failure message."""
    wanted = set(run_ids)
    lines = [
        f"{t['run_id']} {t['task_id']} try {t['try_number']}: {t['state']}"
        f"{' (history)' if t['is_history'] else ''}"
        for t in airflow.task_instances(history=True)
        if t["run_id"] in wanted
    ]
    with contextlib.suppress(OSError):
        log = airflow.log_file("scheduler").read_text(errors="replace").splitlines()
        lines += ["--- scheduler log:", *log[-40:]]
    return "\n".join(lines)


# -- processes -------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    return ""


def processes(where: Callable[[int, list[str]], bool]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and fields[0] != "Z" and where(int(entry.name), fields):
                found.append(int(entry.name))
    return found


def children(pid: int) -> list[int]:
    return processes(lambda _pid, fields: int(fields[1]) == pid)


def wait_for(condition: Callable[[], Any], timeout_s: float, what: str, interval_s: float = 0.5):
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(interval_s)


def wait_for_held_back_load(
    airflow: LocalAirflow, tlc_mirror, backfill_id: int, month: Month, timeout_s: float
) -> tuple[list[dict], str, dict[str, Any]]:
    """The runs of a backfill of BACKFILL, the run of ``month``, and that run's load once it is
    running and its download has reached the mirror (which the test has told to hold it back)."""
    runs = wait_for(
        lambda: len(found := airflow.backfill_runs(backfill_id)) == len(BACKFILL) and found,
        60,
        "the backfill's runs",
    )
    run_id = run_of_month(runs, month)
    in_flight = wait_for(
        lambda: (
            (ti := task_instance(airflow, run_id, "ingest_taxi_month"))
            and ti["state"] == "running"
            and ti["pid"]
            # The pid must be this try's task process (its title names the task instance).
            and cmdline(ti["pid"]) == f"airflow worker -- {ti['id']}"
            and file_name(month) in tlc_mirror.requests
            and ti
        ),
        timeout_s,
        f"the load of {month} to be in flight",
    )
    return runs, run_id, in_flight


@pytest.fixture
def healthy_afterwards(airflow, tlc_mirror):
    """Whatever happens in the test, the session's Airflow is whole again afterwards."""
    tlc_mirror.reset()
    yield
    tlc_mirror.reset()
    if airflow_components.pid(airflow, "scheduler") is None:
        airflow_components.restart(airflow, "scheduler")
    status = airflow.wait_healthy(180)
    assert status.healthy, status.problems()


# -- the scheduler dies mid-backfill ---------------------------------------------------------


def test_a_scheduler_killed_mid_backfill_is_restarted_and_every_month_is_exact(
    airflow, tlc_mirror, e2e_warehouse, reference, healthy_afterwards
):
    # Read first: an Airflow CLI call takes seconds, which the held-back load cannot spare.
    threshold_s = float(
        airflow.airflow_cli(
            "config", "get-value", "scheduler", "scheduler_health_check_threshold"
        ).stdout.strip()
    )
    slow_month = BACKFILL[0]
    tlc_mirror.script(file_name(slow_month), Fault(delay_s=SLOW_DOWNLOAD_S))
    clock, since = time.monotonic(), db_now(airflow)
    backfill_id = airflow.create_backfill(*BACKFILL, reprocess="completed")
    manual_run = airflow.trigger(MANUAL)
    runs, slow_run, in_flight = wait_for_held_back_load(
        airflow, tlc_mirror, backfill_id, slow_month, timeout_s=120
    )

    old_scheduler = airflow_components.kill(airflow, "scheduler", signal.SIGKILL)
    killed = time.monotonic()
    assert airflow_components.pid(airflow, "scheduler") is None
    run_ids = [*(r["run_id"] for r in runs), manual_run]
    try:
        # As systemd or a container runtime would at once: nothing the dead scheduler started
        # runs on, the load it was supervising included.
        leftovers = airflow.kill_leftovers("scheduler")
        assert in_flight["pid"] in leftovers
        # Restarted once Airflow may declare the dead scheduler dead: the new one then takes
        # back its tasks at start-up rather than at the next orphan check, minutes later.
        wait_for(
            lambda: scheduler_silent_for(airflow) > threshold_s + 2,
            threshold_s + 60,
            "the dead scheduler's heartbeat to go stale",
            interval_s=1.0,
        )
        status = airflow_components.restart(airflow, "scheduler")
        back_after_s = time.monotonic() - killed
        assert status.healthy, status.problems()
        assert airflow_components.pid(airflow, "scheduler") not in (None, old_scheduler)
        try:
            backfill_runs = airflow.wait_for_backfill(backfill_id, timeout_s=RUN_TIMEOUT_S)
            manual_runs = airflow_runs.wait_for_runs(airflow, [manual_run], timeout_s=RUN_TIMEOUT_S)
        except LocalAirflowError as exc:
            raise AssertionError(f"{exc}\n{diagnosis(airflow, run_ids)}") from None
    except BaseException:
        stop_unfinished(airflow, backfill_id, run_ids)
        raise
    total_s = time.monotonic() - clock

    states = {r["run_id"]: r["state"] for r in backfill_runs + manual_runs}
    assert set(states.values()) == {"success"}, states
    slow_tries = tries(airflow, slow_run, "ingest_taxi_month", since)
    # The killed try is on record as a try that did not succeed; the next one loaded the month.
    assert len(slow_tries) >= 2, slow_tries
    assert slow_tries[-1][1] == "success", slow_tries
    assert "success" not in [state for _try, state in slow_tries[:-1]], slow_tries
    assert_months_exact(e2e_warehouse.url, (*BACKFILL, MANUAL), reference)
    assert assert_dbt_never_overlapped(airflow) >= 6
    assert slots_taken(airflow, DBT_POOL) == []
    TIMINGS["scheduler SIGKILLed mid-backfill (2-month backfill + 1 manual run)"] = (
        f"{total_s:.1f}s to all runs done; scheduler restarted {back_after_s:.1f}s after the "
        f"kill; {len(leftovers)} leftover processes killed; held-back load: {slow_tries}"
    )


def scheduler_silent_for(airflow: LocalAirflow) -> float:
    """Seconds since any scheduler the metadata database still thinks is running heartbeat."""
    with airflow.metadata() as conn:
        (seconds,) = conn.execute(
            "select extract(epoch from now() - max(latest_heartbeat)) from job "
            "where job_type = 'SchedulerJob' and state = 'running'"
        ).fetchone()
    return float(seconds) if seconds is not None else float("inf")


# -- a task process dies mid-task ------------------------------------------------------------


def dbt_statements(url: str) -> int:
    """Statements the pipeline's dbt sessions are running in the warehouse right now."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from pg_stat_activity "
            "where application_name like 'taxi_pipeline_dbt %%' and state = 'active'"
        ).fetchone()[0]


def kill_task_process(
    airflow: LocalAirflow, run_id: str, task_id: str, ready: Callable[[int], bool]
) -> dict[str, Any]:
    """SIGKILL the process running ``task_id`` once ``ready(pid)``; returns what was seen.

    The pid comes from the task_instance table, where the task process records itself; the
    process title names the task instance, which shows that it is the task and not its
    supervisor (``airflow worker -- LocalExecutor: <id>``)."""
    ti = wait_for(
        lambda: (
            (t := task_instance(airflow, run_id, task_id))
            and t["state"] == "running"
            and t["pid"]
            and ready(t["pid"])
            and t
        ),
        180,
        f"{task_id} of {run_id} to be running",
    )
    pid = ti["pid"]
    assert cmdline(pid) == f"airflow worker -- {ti['id']}"
    spawned = {child: cmdline(child) for child in children(pid)}
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    # Sampled until the task instance has left "running": a child of the killed task that is
    # still alive once Airflow has released the task's pool slot would run unguarded.
    orphans_after_release = []
    while True:
        now = task_instance(airflow, run_id, task_id)
        if now["state"] not in ("running", "queued"):
            orphans_after_release = [c for c in spawned if alive(c)]
            break
        assert time.monotonic() - killed < NOTICED_WITHIN_S, f"{task_id} still {now['state']}"
        time.sleep(0.2)
    return {
        "ti_id": str(ti["id"]),
        "try_number": ti["try_number"],
        "pid": pid,
        "spawned": list(spawned.values()),
        "state": now["state"],
        "noticed_s": time.monotonic() - killed,
        "orphans_after_release": orphans_after_release,
    }


def test_a_killed_task_process_frees_its_slot_and_a_rerun_is_exact(
    airflow, tlc_mirror, e2e_warehouse, reference, healthy_afterwards
):
    month = MANUAL
    tlc_mirror.script(file_name(month), Fault(delay_s=SLOW_DOWNLOAD_S))
    clock, since = time.monotonic(), db_now(airflow)
    backfill_id = airflow.create_backfill(month, month, reprocess="completed")
    (run,) = wait_for(lambda: airflow.backfill_runs(backfill_id), 60, "the backfill's run")
    run_id = run["run_id"]
    try:
        # The load, while the mirror holds back its file.
        ingest = kill_task_process(
            airflow,
            run_id,
            "ingest_taxi_month",
            lambda _pid: file_name(month) in tlc_mirror.requests,
        )
        # Retried after the task's retry_delay (minutes): a killed process runs no retry policy.
        assert ingest["state"] == "up_for_retry", ingest
        wait_for(
            lambda: not processes(lambda pid, _f: ingest["ti_id"] in cmdline(pid)),
            10,
            "no process to name the killed try any more",
        )
        assert not [s for s in slots_taken(airflow, "default_pool") if s[0] == run_id]
        log = airflow_runs.task_log(airflow, run_id, "ingest_taxi_month", ingest["try_number"])
        assert "Process terminated by signal" in log
        assert '"signal_name":"SIGKILL"' in log
        clear_task(airflow, run_id, "ingest_taxi_month")

        # dbt (in the task process), while its statements are running in PostgreSQL.
        dbt = kill_task_process(
            airflow, run_id, "dbt_run", lambda _pid: dbt_statements(e2e_warehouse.url) > 0
        )
        assert dbt["state"] == "up_for_retry", dbt
        assert dbt["orphans_after_release"] == [], "a process outlived its task's pool slot"
        assert slots_taken(airflow, DBT_POOL) == []
        clear_task(airflow, run_id, "dbt_run")

        (done,) = airflow_runs.wait_for_runs(airflow, [run_id], timeout_s=RUN_TIMEOUT_S)
    except BaseException:
        stop_unfinished(airflow, backfill_id, [run_id])
        raise
    assert done["state"] == "success"
    for task_id in ("ingest_taxi_month", "dbt_run"):
        done_tries = tries(airflow, run_id, task_id, since)
        assert [state for _try, state in done_tries] == ["failed", "success"], task_id
        assert done_tries[1][0] == done_tries[0][0] + 1, done_tries
    assert_months_exact(e2e_warehouse.url, (month,), reference)
    assert_dbt_never_overlapped(airflow)
    assert slots_taken(airflow, DBT_POOL) == []
    TIMINGS["task processes SIGKILLed (ingest, then dbt_run), cleared, run done"] = (
        f"{time.monotonic() - clock:.1f}s; killed ingest seen {ingest['noticed_s']:.1f}s and "
        f"killed dbt_run {dbt['noticed_s']:.1f}s after the kill"
    )
