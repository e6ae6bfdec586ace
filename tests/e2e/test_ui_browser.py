"""The Airflow UI in a real headless Chromium: log in, see the backfilled months as successful.

The API tests prove the runs succeeded; this one proves an operator looking at the UI sees it too,
and that none of the pages an operator opens shows the warehouse password. The screenshots it
takes are the ones in ``docs/img``.

It needs no other test: without a successful backfill run yet, it backfills one month itself.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import DAG_ID
from taxi_pipeline.local.airflow import LocalAirflow
from tests.support.browser import UI_TIMEOUT_MS, chromium_page, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

ADMIN_USER = "admin"
FALLBACK_MONTH = Month(2024, 1)
RUN_TIMEOUT_S = 420


def successful_backfill_runs(airflow: LocalAirflow) -> list[dict]:
    return [
        run
        for run in airflow.dag_runs()
        if run["run_type"] == "backfill" and run["state"] == "success"
    ]


@pytest.fixture(scope="module")
def backfilled(airflow) -> list[dict]:
    """The successful backfill runs, oldest month first; one is made if there is none yet."""
    runs = successful_backfill_runs(airflow)
    if not runs:
        backfill_id = airflow.create_backfill(FALLBACK_MONTH, FALLBACK_MONTH)
        done = airflow.wait_for_backfill(backfill_id, timeout_s=RUN_TIMEOUT_S)
        assert [r["state"] for r in done] == ["success"], done
        runs = successful_backfill_runs(airflow)
    assert runs
    return sorted(runs, key=lambda run: run["logical_date"])


@pytest.fixture
def page(tmp_path):
    with chromium_page(tmp_path / "chromium-profile") as page:
        yield page


def log_in(page, api_url: str, password: str) -> None:
    page.goto(api_url)
    expect(page).to_have_url(re.compile(r"/auth/login"), timeout=UI_TIMEOUT_MS)
    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill(password)
    shoot(page, "airflow-login.png")
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/auth/login"), timeout=UI_TIMEOUT_MS)
    expect(page.get_by_test_id("nav-dags-link")).to_be_visible(timeout=UI_TIMEOUT_MS)


def run_row(page, run_id: str):
    cell = page.get_by_test_id("table-cell-dag_run_id").get_by_text(run_id, exact=True)
    return page.get_by_role("row").filter(has=cell)


def test_the_ui_shows_the_backfilled_months_as_successful(airflow, backfilled, e2e_warehouse, page):
    api_url = airflow.status().api_url
    password = e2e_warehouse.password
    secret_forms = {password, quote(password, safe=""), quote(password)}
    visited: dict[str, str] = {}

    def remember(name: str) -> None:
        visited[name] = page.content()

    log_in(page, api_url, airflow.admin_password())
    expect(page.get_by_text("Health", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
    remember("home")

    # Oldest first: the backfilled months come before the manual and scheduled runs of other
    # tests, which would otherwise push them below the fold of the screenshot.
    page.goto(f"{api_url}/dags/{DAG_ID}/runs?sort=run_after")
    expect(page.get_by_role("heading", name=DAG_ID, exact=True)).to_be_visible(
        timeout=UI_TIMEOUT_MS
    )
    for run in backfilled:
        month = Month.of(run["logical_date"])
        row = run_row(page, run["run_id"])
        expect(row, f"the run of {month} ({run['run_id']}) is listed").to_have_count(
            1, timeout=UI_TIMEOUT_MS
        )
        expect(
            row.get_by_test_id("table-cell-state"), f"the run of {month} shows as successful"
        ).to_have_text("Success", timeout=UI_TIMEOUT_MS)
        expect(row.get_by_test_id("table-cell-run_type")).to_have_text("Backfill")
    shoot(page, "airflow-dag-runs.png")
    remember("dag runs")

    latest = backfilled[-1]
    month = Month.of(latest["logical_date"])
    run_row(page, latest["run_id"]).get_by_role("link", name=latest["run_id"]).click()
    header = page.get_by_role("heading", name=latest["run_id"], exact=True)
    expect(header).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(header.locator("..").get_by_test_id("state-badge")).to_have_text(
        "Success", timeout=UI_TIMEOUT_MS
    )
    expect(page.get_by_text(latest["logical_date"].strftime("%Y-%m-%d %H:%M:%S"))).to_be_visible()
    tasks = [ti for ti in airflow.task_instances() if ti["run_id"] == latest["run_id"]]
    states = page.get_by_test_id("table-cell-state")
    expect(states).to_have_count(len(tasks), timeout=UI_TIMEOUT_MS)
    expect(states).to_have_text(["Success"] * len(tasks))
    shoot(page, "airflow-run-tasks.png")
    remember(f"run of {month}")

    # The task that used the warehouse connection: its log is where a password would leak.
    page.get_by_test_id("table-cell-task_display_name").get_by_role(
        "link", name="ingest_taxi_month", exact=True
    ).click()
    expect(page.get_by_text(f"green_tripdata_{month}.parquet").first).to_be_visible(
        timeout=UI_TIMEOUT_MS
    )
    remember(f"ingest log of {month}")
    # The UI may add a query (a run filter) to the task's URL; the tabs are paths below it.
    task_url = urlunsplit(urlsplit(page.url)._replace(query="", fragment="")).rstrip("/")
    for tab, marker in (("rendered_templates", "op_kwargs"), ("xcom", "return_value")):
        page.goto(f"{task_url}/{tab}")
        expect(page.get_by_text(marker, exact=True).first).to_be_visible(timeout=UI_TIMEOUT_MS)
        remember(f"ingest {tab}")

    page.goto(f"{api_url}/connections")
    expect(page.get_by_role("button", name="Add Connection")).to_be_visible(timeout=UI_TIMEOUT_MS)
    remember("connections")

    for name, html in visited.items():
        for form in secret_forms:
            assert form not in html, f"the warehouse password is on the page: {name}"
