"""The deployment files in deploy/: Astro and docker-compose."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.test_dag_integrity import NAMESPACES_ENV, PROJECT

DAG_INTEGRITY_TEST = Path(__file__).resolve().parent / "test_dag_integrity.py"
DEPLOY = PROJECT / "deploy"


def _locked_versions() -> dict[str, str]:
    import tomllib

    lock = tomllib.loads((PROJECT / "uv.lock").read_text())
    return {package["name"]: package["version"] for package in lock["package"]}


def test_astro_requirements_pin_the_locked_versions():
    locked = _locked_versions()
    pins = {}
    for line in (DEPLOY / "astro" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[re.sub(r"\[.*\]", "", name).lower()] = version
    assert pins and all(pins.values()), "every requirement must be pinned with =="
    assert {name: locked.get(name) for name in pins} == pins
    # The Runtime image brings Airflow; pinning it here would fight the image.
    assert "apache-airflow" not in pins
    assert {"dbt-core", "dbt-postgres", "psycopg", "pyarrow"} <= set(pins)


def test_astro_settings_create_the_pool_and_hold_no_password():
    import yaml

    settings = yaml.safe_load((DEPLOY / "astro" / "airflow_settings.yaml").read_text())["airflow"]
    pools = {p["pool_name"]: p["pool_slot"] for p in settings["pools"]}
    assert pools["dbt"] == 1
    (conn,) = [c for c in settings["connections"] if c["conn_id"] == "azure_pg"]
    assert conn["conn_type"] == "postgres"
    assert not conn.get("conn_password")
    first_line = (DEPLOY / "astro" / "Dockerfile").read_text().split("\nFROM ", 1)[1].split()[0]
    assert re.fullmatch(r"astrocrpublic\.azurecr\.io/runtime:3\.3-\d+-python-3\.11", first_line)


def test_compose_runs_the_official_image_with_secrets_only_from_env():
    import yaml

    folder = DEPLOY / "docker-compose"
    compose = yaml.safe_load((folder / "docker-compose.yaml").read_text())
    assert "FROM apache/airflow:3.3.2-python3.11" in (folder / "Dockerfile").read_text()
    airflow_services = {k: v for k, v in compose["services"].items() if k.startswith("airflow")}
    assert {"airflow-scheduler", "airflow-dag-processor", "airflow-init"} <= set(airflow_services)
    for name, service in airflow_services.items():
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
        assert "../../dags:/opt/airflow/dags" in service["volumes"], name
        assert "../../include:/opt/airflow/include" in service["volumes"], name
        assert service["env_file"] == [".env"], name
        assert not [key for key in env if key.startswith("AIRFLOW_CONN_")], name
        for key, value in env.items():
            if re.search(r"PASSWORD|SECRET|FERNET|SQL_ALCHEMY_CONN", key):
                assert "${" in str(value), f"{name}: {key} must come from .env"
    init = " ".join(airflow_services["airflow-init"]["command"])
    assert 'airflow pools set dbt 1 "' in init
    assert "python -m taxi_pipeline.orchestration.namespaces pools" in init
    for env_file in (folder / ".env.example", DEPLOY / "astro" / ".env.example"):
        assert "CHANGE-ME" in env_file.read_text()
        assert ".env" in (env_file.parent / ".gitignore").read_text().split()


def test_the_assembled_astro_project_passes_the_dag_integrity_test_unchanged(tmp_path):
    import subprocess
    import sys

    project = tmp_path / "astro-project"
    subprocess.run(
        ["bash", str(DEPLOY / "astro" / "assemble.sh"), str(project)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (project / "include" / "dbt_project" / "dbt_project.yml").is_file()
    assert (project / "package" / "src" / "taxi_pipeline" / "orchestration" / "tasks.py").is_file()
    copied = project / "tests" / "dags" / "test_dag_integrity.py"
    assert copied.read_text() == DAG_INTEGRITY_TEST.read_text()
    env = {k: v for k, v in os.environ.items() if k not in ("AIRFLOW_HOME", NAMESPACES_ENV)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout
