"""One real local Airflow for every end-to-end test: started once per session, stopped at the end.

It runs in the session's embedded PostgreSQL (metadata database ``airflow``), reads TLC files from
the session's mirror, and loads into a warehouse database reached through ``azure_pg`` with a role
of its own whose password is awkward on purpose (URL-reserved characters), so that the tests can
look for it everywhere afterwards.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from taxi_pipeline.local.airflow import LocalAirflow
from tests.support.scheduling import SESSION_AIRFLOW_MODULES
from tests.support.timings import TIMINGS

REPO_DAGS = Path(__file__).resolve().parents[2] / "dags"
# Deployed by tests/e2e/test_assets.py itself: Airflow hands an asset-scheduled DAG's first run
# every event since the DAG appeared, so a consumer there from the start would take all the
# months the other modules load as its backlog.
DEPLOYED_LATER = ("taxi_monthly_summary_export.py",)


@dataclass(frozen=True)
class E2eWarehouse:
    url: str
    password: str


@pytest.fixture(scope="session")
def e2e_warehouse(pg_server) -> E2eWarehouse:
    info = pg_server.connection()
    password = f"e2e:{secrets.token_urlsafe(12)}/@%?#"
    role = database = "taxi_e2e"
    with psycopg.connect(info.url("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
        )
        conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("create role {} login password {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
        conn.execute(
            sql.SQL("create database {} owner {}").format(
                sql.Identifier(database), sql.Identifier(role)
            )
        )
    url = f"postgresql://{role}:{quote(password, safe='')}@{info.host}:{info.port}/{database}"
    return E2eWarehouse(url=url, password=password)


@pytest.fixture(scope="session")
def dags_folder(tmp_path_factory) -> Path:
    """The repository's DAG files (but DEPLOYED_LATER), linked into a folder that a test may add
    a DAG to."""
    folder = tmp_path_factory.mktemp("dags")
    for path in REPO_DAGS.glob("*.py"):
        if path.name not in DEPLOYED_LATER:
            (folder / path.name).symlink_to(path)
    return folder


@pytest.fixture(scope="session")
def airflow(pg_server, tlc_mirror, e2e_warehouse, dags_folder) -> LocalAirflow:
    local = LocalAirflow(
        pg_server.state_dir,
        dags_folder=dags_folder,
        warehouse_url=e2e_warehouse.url,
        extra_env={
            "TAXI_TLC_BASE_URL": tlc_mirror.base_url,
            # Retries after seconds rather than the DAG's five minutes.
            "TAXI_RETRY_DELAY_S": "2",
        },
    )
    # Unpausing with catchup off also creates the scheduled run of the latest complete month,
    # which TLC (here: the mirror) has not published: one test watches it wait.
    with started_airflow(
        local,
        "local Airflow up (migrate, pool, 4 components, DAG parsed)",
        up_timeout_s=300,
        unpause=True,
        stop=local.down,
    ):
        yield local


@contextlib.contextmanager
def started_airflow(
    local: LocalAirflow,
    timing: str,
    *,
    up_timeout_s: float,
    unpause: bool,
    stop: Callable[[], None],
) -> Iterator[LocalAirflow]:
    """``local`` up and healthy for the block, its start-up time in the timings summary under
    ``timing``. ``stop`` shuts it down after the block, and at once if it does not come up whole,
    so that a failed start leaves no process behind for the rest of the session."""
    started = time.monotonic()
    try:
        status = local.up(timeout_s=up_timeout_s)
        assert status.healthy, status.problems()
        if unpause:
            local.unpause()
    except BaseException:
        stop()
        raise
    TIMINGS[timing] = f"{time.monotonic() - started:.1f}s"
    try:
        yield local
    finally:
        stop()


def pytest_collection_modifyitems(items):
    # Tests of the session's Airflow must share one pytest-xdist worker, or each would start one.
    strays = sorted(
        {
            item.nodeid.split("::", 1)[0]
            for item in items
            if "airflow" in item.fixturenames
            and item.nodeid.split("::", 1)[0] not in SESSION_AIRFLOW_MODULES
        }
    )
    if strays:
        raise pytest.UsageError(
            f"{', '.join(strays)} use the session's Airflow: add them to SESSION_AIRFLOW_MODULES "
            f"in tests/support/scheduling.py"
        )
