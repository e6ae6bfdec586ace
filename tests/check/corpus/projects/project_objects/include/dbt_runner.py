# expect: none
"""dbt started from Python: one helper builds the argv, the callables name the command."""

import subprocess

PROJECT_DIR = "/opt/airflow/dbt"


def _dbt(command: str) -> None:
    subprocess.run(["dbt", command, "--project-dir", PROJECT_DIR], check=True)


def build_models() -> None:
    _dbt("run")


def check_models() -> None:
    _dbt("test")
