"""When the stack commands conclude that the scheduler cannot take runs, and what they say.

Airflow reports its components' health through the API server, so these tests stand a small
HTTP server in for /api/v2/monitor/health (answering what Airflow's health endpoint answers) and
real processes in for the components: what is under test is how the local stack reads them.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from taxi_pipeline.core.settings import Settings
from taxi_pipeline.local.airflow_processes import COMPONENTS
from taxi_pipeline.local.stack import LocalStack, StackError

STALE_SINCE = "2026-12-01T20:00:00+00:00"


def health(scheduler: str, heartbeat: str | None = STALE_SINCE) -> dict:
    healthy = {"status": "healthy"}
    return {
        "metadatabase": healthy,
        "scheduler": {"status": scheduler, "latest_scheduler_heartbeat": heartbeat},
        "triggerer": {**healthy, "latest_triggerer_heartbeat": STALE_SINCE},
        "dag_processor": {**healthy, "latest_dag_processor_heartbeat": STALE_SINCE},
    }


class HealthEndpoint:
    """Answers the health probe with the next scripted body (the last one from then on)."""

    def __init__(self, *answers: dict):
        self.answers = list(answers)
        self.probes = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint.probes += 1
                answer = (
                    endpoint.answers.pop(0) if len(endpoint.answers) > 1 else endpoint.answers[0]
                )
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def component_processes() -> Iterator[dict[str, subprocess.Popen]]:
    """A live process for each component, standing in for the one its pid file names."""
    processes = {name: subprocess.Popen(["sleep", "300"]) for name in COMPONENTS}
    yield processes
    for process in processes.values():
        process.kill()
        process.wait()


def stack_with(tmp_path, endpoint_port: int, processes: dict[str, subprocess.Popen]) -> LocalStack:
    stack = LocalStack(Settings(state_dir=tmp_path), api_port=endpoint_port)
    airflow = stack.airflow
    airflow.run_dir.mkdir(parents=True)
    for name, process in processes.items():
        airflow.write_pid_file(name, process.pid)
    return stack


def test_a_stale_heartbeat_is_named_with_its_time_not_called_no_scheduler(
    tmp_path, component_processes
):
    endpoint = HealthEndpoint(health("unhealthy"))
    try:
        stack = stack_with(tmp_path, endpoint.port, component_processes)
        with pytest.raises(StackError) as raised:
            stack.require_scheduler(wait_s=2)
    finally:
        endpoint.stop()
    message = str(raised.value)
    assert f"heartbeat stale since {STALE_SINCE}" in message
    assert f"pid {component_processes['scheduler'].pid}) is running" in message
    assert "no scheduler is running" not in message
    # It asked more than once before concluding.
    assert endpoint.probes >= 2


def test_a_scheduler_that_is_late_once_is_not_reported(tmp_path, component_processes):
    endpoint = HealthEndpoint(health("unhealthy"), health("unhealthy"), health("healthy"))
    try:
        stack_with(tmp_path, endpoint.port, component_processes).require_scheduler(wait_s=20)
    finally:
        endpoint.stop()
    assert endpoint.probes == 3


def test_an_api_server_that_does_not_answer_leaves_the_scheduler_health_unknown(
    tmp_path, component_processes
):
    endpoint = HealthEndpoint(health("healthy"))
    endpoint.stop()
    stack = stack_with(tmp_path, endpoint.port, component_processes)
    with pytest.raises(StackError) as raised:
        stack.require_scheduler(wait_s=1)
    message = str(raised.value)
    assert f"health unknown: API not answering at http://127.0.0.1:{endpoint.port}" in message
    assert "no scheduler is running" not in message


def test_a_scheduler_process_that_is_gone_is_said_at_once(tmp_path, component_processes):
    endpoint = HealthEndpoint(health("healthy"))
    try:
        stack = stack_with(tmp_path, endpoint.port, component_processes)
        component_processes["scheduler"].kill()
        component_processes["scheduler"].wait()
        with pytest.raises(StackError) as raised:
            stack.require_scheduler(wait_s=60)
    finally:
        endpoint.stop()
    message = str(raised.value)
    assert "no scheduler is running" in message and "taxi-pipeline up" in message
    assert str(stack.airflow.log_file("scheduler")) in message
