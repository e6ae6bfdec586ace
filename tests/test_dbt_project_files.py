"""The dbt project parses without a database, and its tests keep the shape the pipeline relies on.

`dbt parse` needs the profile's environment variables but never connects, so these checks run
anywhere; the models themselves are exercised against PostgreSQL by the end-to-end tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from taxi_pipeline.core.schema import SERVICES

PROJECT = Path(__file__).resolve().parent.parent / "include" / "dbt_project"
STAGING_MODELS = {f"stg_{service}_trips" for service in SERVICES}
SCOPED_MODELS = {*STAGING_MODELS, "fct_trips", "mart_monthly_summary"}
PASSWORD = "never-written-anywhere-7f3a"


def _parse(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAXI_", "DBT_"))}
    env.update(
        TAXI_PG_HOST="db.invalid",
        TAXI_PG_PORT="5432",
        TAXI_PG_USER="taxi",
        TAXI_PG_DBNAME="taxi",
        DBT_ENV_SECRET_PG_PASSWORD=PASSWORD,
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            "parse",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            *extra,
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> tuple[Path, dict]:
    tmp_path = tmp_path_factory.mktemp("dbt_parse")
    proc = _parse(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp_path, json.loads((tmp_path / "target" / "manifest.json").read_text())


def _tests(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]


def test_project_needs_no_packages_and_keeps_no_local_state():
    assert not (PROJECT / "packages.yml").exists()
    assert not (PROJECT / "dependencies.yml").exists()
    assert not (PROJECT / ".user.yml").exists()


def test_profile_reads_every_connection_setting_from_the_environment():
    profile = (PROJECT / "profiles.yml").read_text()
    assert "env_var('DBT_ENV_SECRET_PG_PASSWORD')" in profile
    for key in ("host", "port", "user", "password", "dbname", "schema"):
        line = next(ln for ln in profile.splitlines() if ln.strip().startswith(f"{key}:"))
        assert "env_var(" in line, line


def test_password_is_not_written_to_artifacts_or_logs(parsed):
    tmp_path, _ = parsed
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PASSWORD not in path.read_text(errors="replace"), path


def test_models_and_columns_are_documented(parsed):
    _, manifest = parsed
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "seed"):
            assert node["description"], node["unique_id"]
            assert node["columns"], node["unique_id"]
            for name, column in node["columns"].items():
                assert column["description"], f"{node['unique_id']}.{name}"


def test_every_test_on_a_trip_model_is_scoped_to_the_run(parsed):
    _, manifest = parsed
    for test in _tests(manifest):
        attached = test.get("attached_node") or ""
        if attached.split(".")[-1] in SCOPED_MODELS:
            assert "__run_scope__" in (test["config"].get("where") or ""), test["unique_id"]


def test_every_declared_service_is_staged_into_the_one_fact_table(parsed):
    _, manifest = parsed
    nodes = manifest["nodes"]
    fct = nodes["model.taxi_pipeline.fct_trips"]["depends_on"]["nodes"]
    for service in SERVICES:
        staging = nodes[f"model.taxi_pipeline.stg_{service}_trips"]
        assert staging["depends_on"]["nodes"] == [f"source.taxi_pipeline.raw.{service}_trips"]
        assert staging["unique_id"] in fct, service
    # fct_trips stacks them with UNION ALL: the same documented columns, in the same order.
    columns = {
        name: list(nodes[f"model.taxi_pipeline.{name}"]["columns"]) for name in STAGING_MODELS
    }
    assert len({tuple(c) for c in columns.values()}) == 1, columns


def test_severities_are_chosen(parsed):
    _, manifest = parsed
    severity = {t["name"]: t["config"]["severity"].lower() for t in _tests(manifest)}
    # Real TLC data breaks these every month (null payment blocks) or now and then (clocks).
    for name in (
        "not_null_stg_green_trips_payment_type",
        "not_null_stg_green_trips_trip_type",
        "not_null_stg_yellow_trips_payment_type",
        *(
            f"stg_{service}_trips_{test}"
            for service in SERVICES
            for test in (
                "pickup_not_after_dropoff",
                "vendor_id_accepted_values",
                "rate_code_id_accepted_values",
                "store_and_fwd_flag_accepted_values",
            )
        ),
    ):
        assert severity[name] == "warn", name
    for name in (
        "stg_green_trips_payment_type_accepted_values",
        "stg_yellow_trips_payment_type_accepted_values",
        "stg_green_trips_trip_type_accepted_values",
        "unique_fct_trips_trip_id",
        "not_null_fct_trips_trip_id",
        "fct_trips_pickup_location_id_in_zones",
        "fct_trips_dropoff_location_id_in_zones",
        "mart_monthly_summary_grain_is_unique",
        "assert_trips_reconcile_with_load_log",
    ):
        assert severity[name] == "error", name


def test_marts_replace_whole_months_of_one_service(parsed):
    _, manifest = parsed
    for name in ("fct_trips", "mart_monthly_summary"):
        config = manifest["nodes"][f"model.taxi_pipeline.{name}"]["config"]
        assert config["materialized"] == "incremental"
        assert config["incremental_strategy"] == "delete+insert"
        assert config["unique_key"] == ["service", "source_month"]
    fct = manifest["nodes"]["model.taxi_pipeline.fct_trips"]["config"]
    assert [ix["columns"] for ix in fct["indexes"]] == [["service", "source_month"]]
