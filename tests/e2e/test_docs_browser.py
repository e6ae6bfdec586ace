"""``taxi-pipeline docs`` as a user meets it: the dbt docs site of a built warehouse, served on
127.0.0.1 and opened in a real headless Chromium (models, catalog columns, lineage graph), then
stopped with Ctrl-C. The screenshot it takes is docs/img/dbt-docs-lineage.png in the README.

No Airflow: a scratch database of the session's PostgreSQL with one month loaded and built once.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import dbt_target, ingest_month
from taxi_pipeline.core.settings import Settings
from taxi_pipeline.core.transforms import build_month
from taxi_pipeline.local.postgres import free_port
from tests.conftest import REPO
from tests.support.browser import UI_TIMEOUT_MS, chromium_page, shoot
from tests.support.databases import scratch_database
from tests.support.timings import TIMINGS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MONTH = Month(2023, 1)
MODELS = ("stg_green_trips", "stg_yellow_trips", "fct_trips", "mart_monthly_summary")
# A column of each model and its type, which only the catalog dbt reads from PostgreSQL knows
# (the YAML declares no types).
CATALOG_COLUMN = {
    "stg_green_trips": ("trip_id", "text"),
    "stg_yellow_trips": ("trip_id", "text"),
    "fct_trips": ("pickup_zone", "text"),
    "mart_monthly_summary": ("revenue", "numeric"),
}
START_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("docs-state")


@pytest.fixture(scope="module")
def built_warehouse(embedded_pg, tlc_mirror, state_dir) -> str:
    """One month loaded and its models built (no dbt tests: the site does not need them), with
    the state dir the command uses, so that its dbt parse starts from this build's."""
    settings = Settings(tlc_base_url=tlc_mirror.base_url, state_dir=state_dir)
    started = time.monotonic()
    with scratch_database(embedded_pg, "docs_") as url:
        ingest_month(settings, MONTH, url)
        build_month(dbt_target(settings, url), MONTH, echo=lambda line: None)
        TIMINGS["docs: one month loaded and built"] = f"{time.monotonic() - started:.1f}s"
        yield url


class DocsCommand:
    """``taxi-pipeline docs`` running in its own process, its output read line by line."""

    def __init__(self, warehouse_url: str, state_dir: Path):
        self.port = free_port()
        args = ["docs", "--port", str(self.port), "--warehouse-url", warehouse_url]
        args += ["--state-dir", str(state_dir)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "taxi_pipeline.cli.main", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout_s: float) -> re.Match:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1.0)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r}; output so far: {self.lines}")

    def interrupt(self, timeout_s: float = 30.0) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout_s)
        while (line := self._queue.get(timeout=5.0)) is not None:
            self.lines.append(line)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture(scope="module")
def docs(built_warehouse, state_dir):
    started = time.monotonic()
    command = DocsCommand(built_warehouse, state_dir)
    try:
        command.url = command.wait_for(r"serving the dbt docs at (\S+)", START_TIMEOUT_S).group(1)
        TIMINGS["docs: command start to serving"] = f"{time.monotonic() - started:.1f}s"
        command.state_dir = state_dir
        yield command
    finally:
        command.kill()


@pytest.fixture
def page(tmp_path):
    with chromium_page(tmp_path / "chromium-profile") as page:
        yield page


def test_the_command_prints_where_it_serves_the_site(docs):
    assert docs.url == f"http://127.0.0.1:{docs.port}/"
    site = docs.state_dir / "work" / "docs" / "analytics"
    assert {p.name for p in site.iterdir()} >= {"index.html", "manifest.json", "catalog.json"}
    assert not [line for line in docs.lines if "not built in the warehouse" in line]


def test_the_site_shows_the_models_with_catalog_columns_and_the_lineage_graph(docs, page):
    from playwright.sync_api import expect

    for model in MODELS:
        page.goto(f"{docs.url}#!/model/model.taxi_pipeline.{model}")
        expect(page.locator(".app-title, h1").filter(has_text=model).first).to_be_visible()
        name, data_type = CATALOG_COLUMN[model]
        row = page.locator("tr").filter(has=page.get_by_text(name, exact=True)).first
        expect(row).to_be_visible()
        expect(row).to_contain_text(data_type)

    page.goto(f"{docs.url}#!/model/model.taxi_pipeline.fct_trips")
    page.get_by_title("View Lineage Graph").click()
    graph = page.locator("#cy canvas").first
    expect(graph).to_be_visible(timeout=UI_TIMEOUT_MS)
    # The graph is drawn on a canvas: read its edges from the cytoscape instance behind it.
    page.wait_for_function(
        "() => document.getElementById('cy')._cyreg.cy.edges(':visible').length > 0"
    )
    edges = page.evaluate(
        "() => document.getElementById('cy')._cyreg.cy.edges(':visible')"
        ".map(e => e.source().data('label') + ' -> ' + e.target().data('label'))"
    )
    expected = {
        "stg_green_trips -> fct_trips",
        "stg_yellow_trips -> fct_trips",
        "fct_trips -> mart_monthly_summary",
    }
    assert expected <= set(edges), edges
    shoot(page, "dbt-docs-lineage.png")


def test_ctrl_c_stops_the_server(docs):
    assert docs.interrupt() == 0
    assert docs.lines[-1] == "stopped serving the dbt docs"
