"""TP007: an import that runs before the ``sys.path`` entry it needs.

``from weather_pipeline import run_pipeline`` on line 5 and ``sys.path.append("/opt/airflow/src")``
on line 7: the file adds that folder itself, so it is not on sys.path before, and a module found
only there (or one that the imported project module itself imports, such as
``from extract_weather import ...`` in ``dags/weather_pipeline.py``) cannot be imported yet.

Also a module called as if it were its class: ``import datetime`` and then
``start_date=datetime(2019, 1, 1)`` at module level raises TypeError while the file is parsed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from airflow_trap_check import project, reach
from airflow_trap_check.base import FileContext
from airflow_trap_check.rules import imports
from airflow_trap_check.source import FUNCTION_TYPES
from airflow_trap_check.syspath import compose_mounts, sys_path_entry


def check(ctx: FileContext) -> None:
    src = ctx.src
    statements = list(project.module_imports(src.tree))
    body = [s for s in src.tree.body if isinstance(s, ast.Expr)]
    entries = [e for s in body if (e := sys_path_entry(src, s, ctx.project_root)) and e.folders]
    _check_called_module(ctx)
    if ctx.project_root is not None:
        _check_missing_names(ctx, statements)
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


def _check_missing_names(ctx: FileContext, statements: list) -> None:
    """``from pkg.operators import HttpToGcsOperator`` where the project's
    ``pkg/operators/__init__.py`` neither defines nor imports that name, and no submodule has it:
    the import raises ImportError."""
    folders: list[Path] | None = None
    for statement in statements:
        if not isinstance(statement, ast.ImportFrom) or statement.level or not statement.module:
            continue
        if statement not in ctx.src.tree.body:
            continue  # in a ``try`` that may handle the ImportError, or an ``if``
        if _external(statement.module.split(".")[0]):
            continue
        folders = folders if folders is not None else imports.module_folders(ctx)
        file = project.module_file(statement.module, folders, ctx.project_root)
        module = project.parsed(file) if file is not None else None
        if module is None:
            continue
        bound = _bound_names(module.tree)
        for alias in statement.names:
            if bound is None or alias.name == "*" or alias.name in bound:
                continue
            if file.name == "__init__.py" and imports.has_module(file.parent, alias.name):  # type: ignore[union-attr]
                continue
            shown = reach.shown_path(file, ctx)  # type: ignore[arg-type]
            ctx.report(
                "TP007",
                statement,
                f"`{statement.module}` ({shown}) neither defines nor imports `{alias.name}`"
                f"{', nor has such a submodule' if file.name == '__init__.py' else ''}: "  # type: ignore[union-attr]
                "the import raises ImportError",
            )
            break


def _check_called_module(ctx: FileContext) -> None:
    """``import datetime`` then ``datetime(2019, 1, 1)`` run at import: a module is not callable."""
    tree = ctx.src.tree
    modules = {
        alias.asname or alias.name: alias.name
        for statement in tree.body
        if isinstance(statement, ast.Import)
        for alias in statement.names
        if alias.asname or "." not in alias.name
    }
    if not modules:
        return
    rebound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            rebound.add(node.id)
        elif isinstance(node, (*FUNCTION_TYPES, ast.ClassDef)):
            rebound.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            rebound.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import) and node not in tree.body:
            rebound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            rebound.update(node.names)
    stack: list[ast.AST] = [s for s in reversed(tree.body) if not _main_guard(s)]
    while stack:
        node = stack.pop()
        if isinstance(node, (*FUNCTION_TYPES, ast.ClassDef, ast.Lambda)):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in modules
            and node.func.id not in rebound
        ):
            ctx.report(
                "TP007",
                node,
                f"`{node.func.id}` is the module `{modules[node.func.id]}` (`import "
                f"{modules[node.func.id]}`), and calling a module raises TypeError while the "
                "file is parsed, so the DAG fails to import",
            )
            return
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _main_guard(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.If) and "__main__" in ast.unparse(statement.test)


def _bound_names(tree: ast.Module) -> set[str] | None:
    """Names a module binds at its top level, or None when some are made dynamically."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (*FUNCTION_TYPES, ast.ClassDef)) and node.name == "__getattr__":
            return None
        if isinstance(node, ast.Name) and node.id in {"globals", "exec", "setattr"}:
            return None
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return None
        if isinstance(node, ast.Global):
            names.update(node.names)
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (*FUNCTION_TYPES, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


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
