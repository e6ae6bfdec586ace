"""Running the dbt project for one month, with credentials passed only through the environment.

The password travels in ``DBT_ENV_SECRET_PG_PASSWORD``: dbt scrubs ``DBT_ENV_SECRET_*`` values from
its logs and artifacts, and ``profiles.yml`` only names environment variables, so nothing on disk
holds it. Each invocation writes its ``target/`` and logs into its own folder of the work dir, so
the project folder stays clean and concurrent invocations (other schemas) never share artifacts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from taxi_pipeline.errors import DbtFailed, InvalidParameter, classify_connection_error
from taxi_pipeline.months import Month

_PROJECT_ENV = "TAXI_DBT_PROJECT_DIR"
_ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class DbtResult:
    command: str
    success: bool
    statuses: Counter = field(default_factory=Counter)
    test_statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    output_tail: str = ""
    node_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def tests_summary(self) -> str:
        t = self.test_statuses
        return f"{t['pass']} passed, {t['warn']} warned, {t['fail'] + t['error']} failed"


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


def dbt_environment(warehouse_url: str, target_schema: str, raw_schema: str) -> dict[str, str]:
    parts = urlsplit(warehouse_url)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DBT_ENV_SECRET_", "TAXI_PG_", "AIRFLOW_CONN_"))
    }
    env.update(
        TAXI_PG_HOST=parts.hostname or "localhost",
        TAXI_PG_PORT=str(parts.port or 5432),
        TAXI_PG_USER=unquote(parts.username or ""),
        TAXI_PG_DBNAME=unquote(parts.path.lstrip("/")) or "postgres",
        TAXI_DBT_SCHEMA=target_schema,
        TAXI_RAW_SCHEMA=raw_schema,
        DBT_ENV_SECRET_PG_PASSWORD=unquote(parts.password or ""),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_PARTIAL_PARSE="true",
    )
    return env


def run_dbt(
    command: str,
    warehouse_url: str,
    work_dir: Path,
    *,
    target_schema: str,
    raw_schema: str = "raw",
    month: Month | None = None,
    project_dir: Path | None = None,
    select: str | None = None,
    resource_types: tuple[str, ...] = (),
    full_refresh: bool = False,
    echo=None,
) -> DbtResult:
    """Run ``dbt <command>`` (build, run, test, seed) and summarise its run_results.json.

    ``resource_types`` narrows a ``build`` (e.g. seeds and models but not tests): one invocation
    instead of several saves dbt's start-up and parse, seconds each time.
    """
    project = project_dir or find_project_dir()
    run_dir = work_dir / "dbt" / f"{command}-{month or 'all'}-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "dbt.cli.main",
        command,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(run_dir / "target"),
        "--log-path",
        str(run_dir / "logs"),
    ]
    if month is not None:
        argv += ["--vars", json.dumps({"source_month": month.first_day.isoformat()})]
    if select:
        argv += ["--select", select]
    for resource_type in resource_types:
        argv += ["--resource-type", resource_type]
    if full_refresh:
        argv.append("--full-refresh")
    proc = subprocess.Popen(
        argv,
        env=dbt_environment(warehouse_url, target_schema, raw_schema),
        cwd=run_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for raw_line in proc.stdout:
        # dbt colours its output; logs and error messages want the plain text.
        line = _ANSI_CODES.sub("", raw_line.rstrip("\n"))
        lines.append(line)
        if echo is not None:
            echo(line)
    proc.wait()
    result = _summarise(command, run_dir / "target" / "run_results.json", proc.returncode == 0)
    result.output_tail = "\n".join(lines[-40:])
    if result.success:
        # Keep artifacts of failed invocations only: those are the ones someone will open.
        shutil.rmtree(run_dir, ignore_errors=True)
    return result


def run_dbt_checked(command: str, warehouse_url: str, work_dir: Path, **kwargs) -> DbtResult:
    """Like ``run_dbt`` but raise when dbt fails: ``WarehouseUnavailable`` (retryable) or
    ``WarehouseAuthFailed`` when it could not reach or log in to PostgreSQL, else ``DbtFailed``
    naming the failing nodes."""
    result = run_dbt(command, warehouse_url, work_dir, **kwargs)
    if not result.success:
        if trouble := _connection_trouble(result.output_tail):
            raise classify_connection_error(f"dbt {command}: {trouble}", warehouse_url)
        month = kwargs.get("month")
        failed = "; ".join(result.failures[:10]) or result.output_tail[-1500:]
        raise DbtFailed(f"dbt {command} failed for {month or 'all months'}: {failed}")
    return result


# What psycopg2 (under dbt-postgres) says when the server is down, restarting or unreachable,
# or refuses the login. dbt then fails the same way whatever the models say.
_CONNECTION_TROUBLE = (
    "password authentication failed",
    "connection refused",
    "could not connect to server",
    "server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
    "could not translate host name",
    "timeout expired",
)


def _connection_trouble(output: str) -> str | None:
    """The first line of dbt's output that says PostgreSQL could not be used, if any."""
    for line in output.splitlines():
        if any(marker in line.lower() for marker in _CONNECTION_TROUBLE):
            return line.strip()
    return None


def _summarise(command: str, run_results: Path, success: bool) -> DbtResult:
    result = DbtResult(command=command, success=success)
    try:
        data = json.loads(run_results.read_text())
    except (OSError, json.JSONDecodeError):
        result.success = False
        return result
    for node in data.get("results", []):
        status = str(node.get("status"))
        unique_id = node.get("unique_id", "")
        # unique_id is "<type>.<project>.<name>[.<hash>]"
        parts = unique_id.split(".")
        name = parts[2] if len(parts) > 2 else unique_id or "?"
        result.node_seconds[name] = float(node.get("execution_time") or 0.0)
        result.statuses[status] += 1
        if unique_id.startswith("test."):
            result.test_statuses[status] += 1
        if status in ("error", "fail"):
            message = (node.get("message") or "").splitlines()[0:1]
            result.failures.append(f"{name} ({status}: {message[0] if message else ''})")
    return result
