"""Project code a DAG file reaches, checked as part of the DAG.

A DAG file rarely holds all of its code: it imports helpers from the project (a module beside
it, ``plugins/``, ``include/``) and its tasks run scripts (``python scripts/load.py``). Their
secrets and host paths are the DAG's as much as their own, and an imported module's import-time
work runs every time the scheduler parses the DAG. The rules that judge code without needing a
DAG around it are run on each project file reached, and what they find is reported where the
DAG reaches it: at the import (naming the tasks that use what it imports) or at the task's
command, with the file and line of the code that does it.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import AirflowModel, TaskDef
from airflow_trap_check.model import Finding
from airflow_trap_check.rules import credentials, import_time, imports, paths
from airflow_trap_check.source import parse

Rules = tuple[tuple[str, Callable[[FileContext], None]], ...]

# An imported module runs at parse time, so its import-time work counts; a script does not.
MODULE_RULES: Rules = (
    ("TP005", credentials.check),
    ("TP007", import_time.check),
    ("TP008", paths.check),
)
SCRIPT_RULES: Rules = (("TP005", credentials.check), ("TP008", paths.check))
_RUNS_SCRIPT = re.compile(r"\bpython(?:3(?:\.\d+)?)?\s+(?:-u\s+)?(?P<path>[^\s;&|'\"]+\.py)\b")
# A command written for the deployed image names the script under the image's Airflow home.
_AIRFLOW_HOMES = ("/opt/airflow/", "/usr/local/airflow/")
# Helpers importing helpers: deep enough for package __init__ re-exports, bounded for speed.
_MAX_IMPORT_DEPTH = 4

_OWN_FINDINGS: dict[tuple[Path, Rules], list[Finding]] = {}
_MODULE_IMPORTS: dict[Path, list[Path]] = {}


def check(ctx: FileContext, selected: set[str] | frozenset[str]) -> None:
    if ctx.project_root is None:
        return
    if {code for code, _ in MODULE_RULES} & set(selected):
        _check_imports(ctx, selected)
    if {code for code, _ in SCRIPT_RULES} & set(selected):
        _check_scripts(ctx, selected)


def clear_cache() -> None:
    _OWN_FINDINGS.clear()
    _MODULE_IMPORTS.clear()
    _module_in.cache_clear()


def _check_imports(ctx: FileContext, selected: set[str] | frozenset[str]) -> None:
    folders = imports.module_folders(ctx)
    for statement in ctx.src.tree.body:
        if not isinstance(statement, ast.Import | ast.ImportFrom):
            continue
        for module, file in _project_modules(statement, folders, ctx.project_root):
            users = _tasks_using(ctx, statement)
            used = f" (used by task {', '.join(f'`{t}`' for t in users)})" if users else ""
            for reached, finding in _reached_findings(file, ctx, selected):
                shown = _shown(reached, ctx)
                ctx.report(
                    finding.code,
                    statement,
                    f"imported `{module}`{used} reaches {shown}, where line {finding.line}: "
                    f"{finding.message}",
                )


def _project_modules(
    statement: ast.Import | ast.ImportFrom, folders: list[Path], root: Path | None
) -> Iterator[tuple[str, Path]]:
    if isinstance(statement, ast.Import):
        names = [alias.name for alias in statement.names]
    elif statement.module and statement.level == 0:
        # `from pkg import name` may name a submodule as well as something pkg defines
        names = [statement.module, *(f"{statement.module}.{a.name}" for a in statement.names)]
    else:
        return
    for name in names:
        file = _module_file(name, folders, root)
        if file is not None:
            yield name, file


def _module_file(name: str, folders: list[Path], root: Path | None) -> Path | None:
    top = name.split(".")[0]
    if top in sys.stdlib_module_names or imports.is_installed_with_airflow(top):
        return None  # most imports of a DAG file: no need to look on disk
    for folder in folders:
        found = _module_in(folder, name)
        if found is not None and (root is None or root in found.parents):
            return found
    return None


@cache
def _module_in(folder: Path, name: str) -> Path | None:
    parts = name.split(".")
    if not imports.has_module(folder, parts[0]):
        return None
    base = folder.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _reached_findings(
    first: Path, ctx: FileContext, selected: set[str] | frozenset[str]
) -> Iterator[tuple[Path, Finding]]:
    """Findings in ``first`` and the project modules it imports, each with the file it is in."""
    seen: set[Path] = set()
    queue = [(first, 0)]
    while queue:
        file, depth = queue.pop(0)
        if file in seen or file == ctx.src.path.resolve():
            continue
        seen.add(file)
        for finding in _own_findings(file, ctx, MODULE_RULES):
            if finding.code in selected:
                yield file, finding
        if depth < _MAX_IMPORT_DEPTH:
            queue.extend((imported, depth + 1) for imported in _imports_of(file, ctx))


def _imports_of(file: Path, ctx: FileContext) -> list[Path]:
    """Project modules ``file`` imports at module level, relative imports included."""
    if file not in _MODULE_IMPORTS:
        found: list[Path] = []
        src, _ = parse(file, file.read_bytes())
        if src is not None:
            folders = [file.parent, *imports.module_folders(ctx)]
            for statement in src.tree.body:
                if isinstance(statement, ast.ImportFrom) and statement.level > 0:
                    package = file.parents[statement.level - 1]
                    names = [statement.module] if statement.module else []
                    names += [
                        f"{statement.module}.{a.name}" if statement.module else a.name
                        for a in statement.names
                    ]
                    found += [f for n in names if (f := _module_file(n, [package], None))]
                elif isinstance(statement, ast.Import | ast.ImportFrom):
                    found += [f for _, f in _project_modules(statement, folders, ctx.project_root)]
        _MODULE_IMPORTS[file] = found
    return _MODULE_IMPORTS[file]


def _tasks_using(ctx: FileContext, statement: ast.Import | ast.ImportFrom) -> list[str]:
    bound = {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    users = []
    for task in ctx.model.tasks:
        nodes = [*task.kwargs.values(), *task.code]
        names = {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}
        if names & bound and task.label not in users:
            users.append(task.label)
    return users


def _check_scripts(ctx: FileContext, selected: set[str] | frozenset[str]) -> None:
    for task in ctx.model.tasks:
        command_node = task.kwargs.get("bash_command")
        command = ctx.src.string(command_node) if command_node is not None else None
        if not command:
            continue
        for match in _RUNS_SCRIPT.finditer(command):
            script = _resolve_script(ctx, match.group("path"))
            if script is not None:
                _report_script(ctx, task, command_node, script, selected)


def _resolve_script(ctx: FileContext, written: str) -> Path | None:
    root = ctx.project_root
    assert root is not None
    relative = written
    for home in _AIRFLOW_HOMES:
        if written.startswith(home):
            relative = written[len(home) :]
    candidates = [ctx.src.path.parent / relative, root / relative]
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and (resolved == root or root in resolved.parents):
            return resolved
    return None


def _report_script(
    ctx: FileContext,
    task: TaskDef,
    anchor: ast.AST,
    script: Path,
    selected: set[str] | frozenset[str],
) -> None:
    shown = _shown(script, ctx)
    for finding in _own_findings(script, ctx, SCRIPT_RULES):
        if finding.code in selected:
            ctx.report(
                finding.code,
                anchor,
                f"task `{task.label}` runs {shown}, where line {finding.line}: {finding.message}",
            )


def _own_findings(file: Path, ctx: FileContext, rules: Rules) -> list[Finding]:
    """What ``rules`` find in ``file`` itself; the same helper is reached from many DAGs."""
    key = (file, rules)
    if key not in _OWN_FINDINGS:
        data = file.read_bytes()
        src, _ = parse(file, data)
        found: list[Finding] = []
        model = AirflowModel(src) if src is not None else None
        # A file that does not parse fails loudly when it is imported or run; one that defines
        # DAGs is a DAG file, checked (and reported) as itself.
        if src is not None and model is not None and not model.dags:
            inner = FileContext(src, model, _shown(file, ctx), ctx.runbook_name, ctx.project_root)
            for _, rule in rules:
                rule(inner)
            found = inner.findings
        _OWN_FINDINGS[key] = found
    return _OWN_FINDINGS[key]


def _shown(file: Path, ctx: FileContext) -> str:
    assert ctx.project_root is not None
    return file.relative_to(ctx.project_root).as_posix()
