"""TP007: imports Airflow 3 removed, in a project whose image runs Airflow 3.

``from airflow.utils.dates import days_ago`` or ``PostgresOperator`` from the postgres
provider work on the Airflow 2 the tutorial was written for; in a project that deploys
``apache/airflow:3.x`` (its compose file, Dockerfile or requirements say so) the import fails
and the DAG disappears. Paths Airflow 3 still aliases (``airflow.operators.python``,
``airflow.operators.bash``, ``airflow.operators.empty``) are fine, and nothing is reported when
the project names no Airflow version.

Airflow 1 also put the classes a plugin registers under ``airflow.operators``, ``airflow.sensors``
and ``airflow.hooks`` (``from airflow.operators import LoadFactOperator``); Airflow 2 dropped
that, so in a project that deploys Airflow 2 or 3 such an import of a class fails too.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from airflow_trap_check.base import FileContext
from airflow_trap_check.project import PLUGIN_PATHS

# module -> what replaced it (names of a module: "module:name")
_REMOVED = {
    "airflow.contrib": "the providers' modules",
    "airflow.utils.dates:days_ago": "pendulum.today('UTC').add(days=-N) or a fixed start_date",
    "airflow.operators.dummy": "airflow.providers.standard.operators.empty.EmptyOperator",
    "airflow.operators.dummy_operator": "airflow.providers.standard.operators.empty",
    "airflow.operators.bash_operator": "airflow.providers.standard.operators.bash",
    "airflow.operators.python_operator": "airflow.providers.standard.operators.python",
    "airflow.operators.email_operator": "airflow.providers.smtp.operators.smtp",
    "airflow.operators.subdag": "task groups",
    "airflow.operators.postgres_operator": "SQLExecuteQueryOperator",
    "airflow.operators.mysql_operator": "SQLExecuteQueryOperator",
    "airflow.operators.mssql_operator": "SQLExecuteQueryOperator",
    "airflow.operators.sqlite_operator": "SQLExecuteQueryOperator",
    "airflow.providers.postgres.operators.postgres": "SQLExecuteQueryOperator",
    "airflow.providers.mysql.operators.mysql": "SQLExecuteQueryOperator",
    "airflow.providers.microsoft.mssql.operators.mssql": "SQLExecuteQueryOperator",
    "airflow.providers.sqlite.operators.sqlite": "SQLExecuteQueryOperator",
    "airflow.hooks.base_hook": "airflow.sdk.BaseHook",
    "airflow.hooks.postgres_hook": "airflow.providers.postgres.hooks.postgres",
    "airflow.hooks.S3_hook": "airflow.providers.amazon.aws.hooks.s3",
    "airflow.sensors.external_task_sensor": "airflow.providers.standard.sensors.external_task",
}
# Astro Runtime tags are left out: their numbers do not say which Airflow they carry
_VERSION = re.compile(r"apache/airflow:(?P<image>\d+)\.|apache-airflow\s*={1,2}\s*(?P<pin>\d+)\.")
_DEPLOYMENT_FILES = re.compile(
    r"(docker-compose.*\.ya?ml|compose.*\.ya?ml|Dockerfile.*|requirements.*\.txt)$", re.I
)


def check(ctx: FileContext) -> None:
    major = project_airflow_major(ctx.project_root) if ctx.project_root is not None else None
    if major is not None and major >= 2:
        _check_plugin_paths(ctx, major)
    if major != 3:
        return
    for statement in ctx.src.tree.body:
        for module, names in _imports(statement):
            removed = _removed(module, names)
            if removed is not None:
                ctx.report(
                    "TP007",
                    statement,
                    f"`{removed[0]}` is gone in Airflow 3, which the project deploys (use "
                    f"{removed[1]}), so the DAG fails to import",
                )


def _check_plugin_paths(ctx: FileContext, major: int) -> None:
    """``from airflow.operators import MyOperator``: where Airflow 1 put plugin classes."""
    for statement in ctx.src.tree.body:
        if not isinstance(statement, ast.ImportFrom) or statement.module not in PLUGIN_PATHS:
            continue
        classes = [a.name for a in statement.names if a.name[:1].isupper()]
        if classes:
            ctx.report(
                "TP007",
                statement,
                f"`from {statement.module} import {classes[0]}` is the Airflow 1 path of a "
                f"plugin's class, which Airflow {major} (the project deploys it) no longer "
                "provides: import the class from its module in plugins/, so the DAG imports",
            )


def _imports(statement: ast.stmt) -> list[tuple[str, list[str]]]:
    if isinstance(statement, ast.Import):
        return [(alias.name, []) for alias in statement.names]
    if isinstance(statement, ast.ImportFrom) and statement.module and statement.level == 0:
        return [(statement.module, [alias.name for alias in statement.names])]
    return []


def _removed(module: str, names: list[str]) -> tuple[str, str] | None:
    for name in names:
        replacement = _REMOVED.get(f"{module}:{name}")
        if replacement:
            return f"{module}.{name}", replacement
    for gone, replacement in _REMOVED.items():
        if ":" not in gone and (module == gone or module.startswith(gone + ".")):
            return module, replacement
    return None


def deploys_airflow3(ctx: FileContext) -> bool:
    """The file is written for Airflow 3, or its project deploys Airflow 3."""
    if ctx.model.airflow_major >= 3:
        return True
    return ctx.project_root is not None and project_airflow_major(ctx.project_root) == 3


@cache
def project_airflow_major(root: Path) -> int | None:
    """The Airflow major version the project's deployment files name, if they name one."""
    majors: set[int] = set()
    # the root and two levels below it (an `airflow/` or `docker/` folder), not nested projects
    candidates = [*root.glob("*"), *root.glob("*/*"), *root.glob("*/*/*")]
    for path in candidates:
        if not _DEPLOYMENT_FILES.search(path.name) or not path.is_file():
            continue
        if any(_is_project(root / f) for f in path.relative_to(root).parents if f.parts):
            continue
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        for match in _VERSION.finditer(text):
            majors.add(int(match.group("image") or match.group("pin")))
    return majors.pop() if len(majors) == 1 else None


def _is_project(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() or (folder / ".git").exists()


def clear_cache() -> None:
    project_airflow_major.cache_clear()
