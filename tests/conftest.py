"""Shared fixtures: one embedded PostgreSQL and one TLC mirror for the whole session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.settings import Settings
from taxi_pipeline.local.postgres import ConnectionInfo, EmbeddedPostgres
from tests.support.databases import scratch_database
from tests.support.scheduling import SessionAirflowScheduling
from tests.support.timings import TIMINGS
from tests.support.tlc_server import FaultyTlcMirror

REPO = Path(__file__).resolve().parent.parent
# Importing Airflow in a test process would otherwise create ~/airflow; keep it in the checkout,
# one per pytest-xdist worker so that no two write one airflow.cfg.
os.environ.setdefault(
    "AIRFLOW_HOME",
    str(REPO / ".state" / f"pytest-airflow-home-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"),
)
TLC_SAMPLES = REPO / "data" / "tlc"
SAMPLE_MONTHS = [Month(2023, 1), Month(2023, 12), Month(2024, 1)]


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory) -> EmbeddedPostgres:
    pg = EmbeddedPostgres(tmp_path_factory.mktemp("pgstate"))
    pg.start()
    yield pg
    pg.destroy()


@pytest.fixture(scope="session")
def embedded_pg(pg_server) -> ConnectionInfo:
    return pg_server.connection()


@pytest.fixture
def warehouse_url(embedded_pg) -> str:
    """A fresh, empty database for one test."""
    with scratch_database(embedded_pg, "t_") as url:
        yield url


@pytest.fixture(scope="session")
def tlc_folder(tmp_path_factory) -> Path:
    """A writable copy of the bundled samples that tests may add files to."""
    folder = tmp_path_factory.mktemp("tlc")
    for path in TLC_SAMPLES.glob("*.parquet"):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def tlc_mirror(tlc_folder) -> FaultyTlcMirror:
    mirror = FaultyTlcMirror(tlc_folder).start()
    yield mirror
    mirror.stop()


@pytest.fixture
def tlc(tlc_mirror) -> FaultyTlcMirror:
    tlc_mirror.reset()
    yield tlc_mirror
    tlc_mirror.reset()


@pytest.fixture
def settings(tmp_path, tlc) -> Settings:
    return Settings(
        tlc_base_url=tlc.base_url,
        state_dir=tmp_path / "state",
        download_timeout_s=5.0,
    )


def pytest_collection_modifyitems(items):
    # Slow tests first, so that under pytest-xdist the long units start at once and the short
    # ones fill the gaps at the end (scripts/test keeps this order: --no-loadscope-reorder).
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    return SessionAirflowScheduling(config, log)


def pytest_sessionfinish(session):
    # A pytest-xdist worker hands its timings to the controller, which prints them.
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["timings"] = dict(TIMINGS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    TIMINGS.update(getattr(node, "workeroutput", {}).get("timings", {}))


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("taxi_pipeline end-to-end timings")
        for name, value in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {value}")
