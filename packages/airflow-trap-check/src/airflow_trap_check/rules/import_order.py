"""TP007: an import that runs before the ``sys.path`` entry it needs.

``from weather_pipeline import run_pipeline`` on line 5 and ``sys.path.append("/opt/airflow/src")``
on line 7: the file adds that folder itself, so it is not on sys.path before, and a module found
only there (or one that the imported project module itself imports, such as
``from extract_weather import ...`` in ``dags/weather_pipeline.py``) cannot be imported yet.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from airflow_trap_check import project, reach
from airflow_trap_check.base import FileContext
from airflow_trap_check.rules import imports
from airflow_trap_check.syspath import compose_mounts, sys_path_entry


def check(ctx: FileContext) -> None:
    src = ctx.src
    statements = list(project.module_imports(src.tree))
    body = [s for s in src.tree.body if isinstance(s, ast.Expr)]
    entries = [e for s in body if (e := sys_path_entry(src, s, ctx.project_root)) and e.folders]
    if not entries or ctx.project_root is None:
        return
    folders = imports.module_folders(ctx)
    for statement in statements:
        later = [e for e in entries if e.node.lineno > statement.lineno]
        if not later:
            continue
        added = {f for e in later for f in e.folders}
        base = [f for f in folders if f not in added]
        for alias in _modules(statement):
            problem = _needs_later_entry(ctx, alias, base, added)
            if problem:
                entry = next(e for e in later if problem[1] in e.folders)
                shown = reach.shown_path(problem[1], ctx)
                ctx.report(
                    "TP007",
                    statement,
                    f"`{alias}` {problem[0]} found only in {shown}/, which this file adds to "
                    f"sys.path on line {entry.node.lineno}, after the import: the import fails",
                )
                break


def _modules(statement: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(statement, ast.Import):
        return [a.name for a in statement.names]
    return [statement.module] if statement.module and statement.level == 0 else []


def _needs_later_entry(
    ctx: FileContext, module: str, base: list[Path], added: set[Path]
) -> tuple[str, Path] | None:
    top = module.split(".")[0]
    if _external(top):
        return None
    if not any(imports.has_module(f, top) for f in base) and top not in _compose_importable(
        ctx.project_root
    ):
        where = _found_in(top, added)
        return ("is", where) if where else None
    if top in _compose_importable(ctx.project_root):
        return None
    file = project.module_file(module, base, ctx.project_root)
    parsed = project.parsed(file) if file is not None else None
    if parsed is None:
        return None
    for statement in project.module_imports(parsed.tree):
        for name in _modules(statement):
            inner = name.split(".")[0]
            if _external(inner) or imports.has_module(file.parent, inner):  # type: ignore[union-attr]
                continue
            if any(imports.has_module(f, inner) for f in base):
                continue
            if inner in _compose_importable(ctx.project_root):
                continue
            where = _found_in(inner, added)
            if where:
                return f"imports `{name}`,", where
    return None


def _compose_importable(root: Path | None) -> frozenset[str]:
    """Names of project folders the compose file mounts directly inside a folder it puts on
    PYTHONPATH (``./ingestion:/opt/airflow/ingestion`` with ``PYTHONPATH: /opt/airflow``)."""
    if root is None:
        return frozenset()
    paths = {
        path.rstrip("/")
        for text in imports._compose_texts(root)
        for match in imports._COMPOSE_PYTHONPATH.finditer(text)
        for path in match.group("paths").split(":")
    }
    return frozenset(
        container.rsplit("/", 1)[1]
        for container in compose_mounts(root)
        if container.rsplit("/", 1)[0] in paths
    )


def _external(top: str) -> bool:
    return top in sys.stdlib_module_names or imports.is_installed_with_airflow(top)


def _found_in(top: str, added: set[Path]) -> Path | None:
    return next((f for f in sorted(added) if imports.has_module(f, top)), None)
