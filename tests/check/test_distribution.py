"""The checker as its own distribution: it installs into an empty virtualenv with nothing else,
runs there, and its pre-commit hook runs from source without installing the pipeline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "packages" / "airflow-trap-check"
HEAVY = ("apache-airflow", "dbt-core", "pyarrow", "psycopg", "adbc")

TRAP_DAG = """\
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("traps", schedule=None, catchup=False, max_active_runs=1) as dag:
    BashOperator(task_id="a", bash_command="ls /tmp/in")
"""


def small_project(root: Path) -> Path:
    (root / "dags").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "someone-elses-dags"\n')
    (root / "RUNBOOK.md").write_text("# Runbook\n")
    (root / "dags" / "traps.py").write_text(TRAP_DAG)
    return root


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH would let the repository's own environment leak into the empty one
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The checker's wheel, built offline with the repository's hatchling."""
    out = tmp_path_factory.mktemp("wheel")
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-index",
        "--no-build-isolation",
        "--wheel-dir",
        out,
        PACKAGE,
        cwd=out,
    )
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("airflow_trap_check-*.whl")
    return path


def test_installs_into_an_empty_virtualenv_and_checks_a_project(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    installed = run(python, "-m", "pip", "install", "--no-index", "--no-deps", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    # --no-deps above; pip check proves the package declares nothing it would need
    assert run(python, "-m", "pip", "check", cwd=tmp_path).returncode == 0

    project = small_project(tmp_path / "project")
    by_script = run(env_dir / "bin" / "airflow-trap-check", "--format", "json", "dags", cwd=project)
    by_module = run(python, "-m", "airflow_trap_check", "--format", "json", "dags", cwd=project)
    for completed in (by_script, by_module):
        assert completed.returncode == 1, completed.stderr
        assert [f["code"] for f in json.loads(completed.stdout)] == ["TP008"]

    listed = run(python, "-m", "pip", "list", "--format", "json", cwd=tmp_path)
    names = {package["name"].lower() for package in json.loads(listed.stdout)}
    assert "airflow-trap-check" in names
    assert not [name for name in names if name.startswith(HEAVY)], names


def test_the_wheel_holds_only_the_checker(wheel):
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"airflow_trap_check"}


def test_pre_commit_hooks_run_the_checker_from_source_without_installing_it(tmp_path):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {hook["id"] for hook in hooks} == {"airflow-trap-check", "taxi-pipeline-check"}
    for hook in hooks:
        # a python hook would pip-install the repository root: the whole pipeline
        assert hook["language"] == "script"
        assert hook["types"] == ["python"]
        entry = REPO / hook["entry"]
        assert os.access(entry, os.X_OK)
    project = small_project(tmp_path)
    # -S: no site-packages, so the installed copy cannot stand in for the source
    completed = run(sys.executable, "-S", entry, "dags/traps.py", cwd=project)
    assert completed.returncode == 1, completed.stderr
    assert "TP008" in completed.stdout


def test_no_checker_module_holds_more_than_one_concern():
    # the project's rule for its own code (tests/test_layers.py) holds for the checker too
    longest = {
        path.relative_to(PACKAGE).as_posix(): len(path.read_text().splitlines())
        for path in (PACKAGE / "src").rglob("*.py")
    }
    assert {path: lines for path, lines in longest.items() if lines > 400} == {}
