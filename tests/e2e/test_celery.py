"""The same DAG on Airflow's CeleryExecutor: a Redis broker and two separate worker processes.

A second Airflow of its own (state dir, metadata database, ports, warehouse database) runs the
scheduler, API server, dag-processor and triggerer, and hands every task to two
``airflow celery worker`` processes through a private ``redis-server``. One worker is SIGKILLed
while it runs a load; the backfill must still complete, exactly. See docs/distributed.md for how
this maps onto several machines and what it does not cover.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from taxi_pipeline.core.names import DBT_POOL
from taxi_pipeline.local.airflow import LocalAirflow
from taxi_pipeline.local.airflow_processes import CELERY_WORKER_PREFIX
from taxi_pipeline.local.airflow_status import LocalAirflowError
from taxi_pipeline.local.postgres import free_port
from tests.e2e.conftest import started_airflow
from tests.e2e.test_faults_airflow import (
    BACKFILL,
    RUN_TIMEOUT_S,
    SLOW_DOWNLOAD_S,
    assert_dbt_never_overlapped,
    assert_months_exact,
    clean_load_checksums,
    db_now,
    diagnosis,
    slots_taken,
    stop_unfinished,
    tries,
    wait_for_held_back_load,
)
from tests.support import airflow_components
from tests.support.databases import scratch_database
from tests.support.sample_months import file_name
from tests.support.timings import TIMINGS
from tests.support.tlc_server import Fault

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO_DAG = Path(__file__).resolve().parents[2] / "dags" / "taxi_pipeline.py"
WORKERS = 2
# A try whose worker died sends no heartbeat; Airflow gives it up after this (default 300 s).
HEARTBEAT_TIMEOUT_S = 30
# The DAG waits 5 minutes before a retry. Its retry policy shortens that through
# TAXI_RETRY_DELAY_S, but a try lost with its worker never reaches the policy: here a cluster
# policy (a deployment setting, not the DAG file) shortens the DAG's own retry_delay instead.
RETRY_SOON_POLICY = """\
from datetime import timedelta

__all__ = ["task_policy"]


def task_policy(task):
    if task.dag_id == "taxi_pipeline":
        task.retry_delay = timedelta(seconds=5)
"""


class RedisServer:
    """A throwaway ``redis-server`` on 127.0.0.1: own port, own dir, a password, no persistence."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{quote(self.password, safe='')}@127.0.0.1:{self.port}/0"

    def start(self, timeout_s: float = 30.0) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (Debian: apt-get install redis-server)")
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "redis.conf"
        # The password goes in a 0600 file rather than on a command line anyone can read.
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(
                f"port {self.port}\nbind 127.0.0.1\nprotected-mode yes\n"
                f'dir {self.folder}\nsave ""\nappendonly no\n'
                f"logfile {self.folder / 'redis.log'}\nrequirepass {self.password}\n"
            )
        self.process = subprocess.Popen(
            [binary, str(config)], stdin=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout_s
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                pytest.fail(f"redis-server did not start:\n{log}")
            time.sleep(0.2)
        return self

    def ping(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock,
        ):
            sock.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
            answer = b""
            while b"PONG" not in answer and len(answer) < 200:
                chunk = sock.recv(200)
                if not chunk:
                    break
                answer += chunk
            return b"+PONG" in answer
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_broker(tmp_path_factory) -> RedisServer:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def celery_warehouse(pg_server) -> str:
    """A warehouse database of its own, so the session Airflow's months stay untouched."""
    with scratch_database(pg_server.connection(), "taxi_celery_") as url:
        yield url


@pytest.fixture(scope="module")
def reference(pg_server, tlc_mirror, tmp_path_factory) -> dict[str, str]:
    return clean_load_checksums(pg_server, tlc_mirror, tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="module")
def celery_airflow(redis_broker, tlc_mirror, celery_warehouse, tmp_path_factory) -> LocalAirflow:
    if importlib.util.find_spec("airflow.providers.celery") is None:
        pytest.fail("apache-airflow-providers-celery is not installed")
    dags = tmp_path_factory.mktemp("celery-dags")
    (dags / REPO_DAG.name).symlink_to(REPO_DAG)
    state_dir = tmp_path_factory.mktemp("celery-airflow")
    local = LocalAirflow(
        state_dir,
        dags_folder=dags,
        warehouse_url=celery_warehouse,
        extra_env={"TAXI_TLC_BASE_URL": tlc_mirror.base_url, "TAXI_RETRY_DELAY_S": "2"},
        executor="CeleryExecutor",
        celery_workers=WORKERS,
        broker_url=redis_broker.url,
        cluster_policies=RETRY_SOON_POLICY,
        extra_config={
            "scheduler": {
                "task_instance_heartbeat_timeout": str(HEARTBEAT_TIMEOUT_S),
                "task_instance_heartbeat_timeout_detection_interval": "2",
            }
        },
    )

    def stop_and_destroy() -> None:
        local.down()
        local.postgres.destroy()

    with started_airflow(
        local,
        "Celery Airflow up (own metadata DB, 4 components + 2 workers)",
        up_timeout_s=300,
        unpause=True,
        stop=stop_and_destroy,
    ):
        yield local


def worker_running(airflow: LocalAirflow, pid: int) -> str | None:
    """The worker component whose process tree holds ``pid``."""
    mains = {
        airflow_components.pid(airflow, w): w
        for w in airflow.components
        if w.startswith(CELERY_WORKER_PREFIX)
    }
    while pid > 1:
        if pid in mains:
            return mains[pid]
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return None


def executed_by(airflow: LocalAirflow, worker: str) -> set[str]:
    """Task instance ids whose workload ``worker`` finished, from its log."""
    log = airflow.log_file(worker).read_text(errors="replace")
    return set(re.findall(r"Workload finished.*workload_id=([0-9a-f-]{36})", log))


def test_the_second_airflow_hands_tasks_to_two_celery_workers(celery_airflow):
    status = celery_airflow.status()
    assert status.healthy, status.problems()
    workers = [c for c in status.components if c.name.startswith(CELERY_WORKER_PREFIX)]
    assert len(workers) == WORKERS
    assert all(w.running and w.healthy for w in workers)
    config = celery_airflow.config()
    assert config["core"]["executor"] == "CeleryExecutor"
    assert config["celery"]["broker_url"].startswith("redis://")
    assert "taxi_pipeline" in status.dags


def test_a_backfill_survives_a_worker_killed_mid_load(
    celery_airflow, tlc_mirror, celery_warehouse, reference
):
    airflow = celery_airflow
    slow_month = BACKFILL[0]
    tlc_mirror.reset()
    tlc_mirror.script(file_name(slow_month), Fault(delay_s=SLOW_DOWNLOAD_S))
    clock, since = time.monotonic(), db_now(airflow)
    backfill_id = airflow.create_backfill(*BACKFILL)
    runs, slow_run, in_flight = wait_for_held_back_load(
        airflow, tlc_mirror, backfill_id, slow_month, timeout_s=180
    )
    run_ids = [r["run_id"] for r in runs]
    victim = worker_running(airflow, in_flight["pid"])
    assert victim is not None, f"no Celery worker runs pid {in_flight['pid']}"
    survivor = next(
        w for w in airflow.components if w.startswith(CELERY_WORKER_PREFIX) and w != victim
    )

    airflow_components.kill(airflow, victim, signal.SIGKILL)
    with airflow.metadata() as conn:
        (killed_at,) = conn.execute("select now()").fetchone()
    # The worker's machine or container is gone: nothing it ran runs on, the load included.
    leftovers = airflow.kill_leftovers(victim)
    assert in_flight["pid"] in leftovers
    try:
        backfill_runs = airflow.wait_for_backfill(backfill_id, timeout_s=RUN_TIMEOUT_S)
    except LocalAirflowError as exc:
        stop_unfinished(airflow, backfill_id, run_ids)
        raise AssertionError(f"{exc}\n{diagnosis(airflow, run_ids)}") from None
    finally:
        tlc_mirror.reset()
    total_s = time.monotonic() - clock

    assert {r["state"] for r in backfill_runs} == {"success"}, backfill_runs
    # The lost try is given up by the heartbeat timeout, not left running, and retried.
    slow_tries = tries(airflow, slow_run, "ingest_taxi_month", since)
    assert len(slow_tries) >= 2 and slow_tries[-1][1] == "success", slow_tries
    assert "success" not in [state for _try, state in slow_tries[:-1]], slow_tries
    assert_months_exact(celery_warehouse, BACKFILL, reference)
    assert assert_dbt_never_overlapped(airflow) >= 4
    assert slots_taken(airflow, DBT_POOL) == []
    # Whatever started after the kill ran on the surviving worker.
    with airflow.metadata() as conn:
        started_later = {
            str(row[0])
            for row in conn.execute(
                "select id from task_instance where run_id = any(%s) and start_date > %s",
                (run_ids, killed_at),
            ).fetchall()
        }
    assert started_later, "nothing ran after the kill"
    assert started_later <= executed_by(airflow, survivor)
    TIMINGS["Celery: 2-month backfill with a worker SIGKILLed mid-load"] = (
        f"{total_s:.1f}s to done; held-back load: {slow_tries}; "
        f"{len(started_later)} task instances ran on the surviving worker after the kill"
    )
