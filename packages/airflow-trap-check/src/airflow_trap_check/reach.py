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
from airflow_trap_check.parsing import parse
from airflow_trap_check.rules import credentials, import_time, imports, paths
from airflow_trap_check.source import SourceFile

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
MAX_IMPORT_DEPTH = 4

_OWN_FINDINGS: dict[tuple[Path, Rules], list[Finding]] = {}
_MODULE_IMPORTS: dict[Path, list[Path]] = {}


def check(ctx: FileContext, selected: set[str] | frozenset[str]) -> None:
    if ctx.project_root is None:
        return
    if {code for code, _ in MODULE_RULES} & set(selected):
        _check_imports(ctx, selected)
    if "TP007" in selected:
        _check_parse_time_calls(ctx)
    if {code for code, _ in SCRIPT_RULES} & set(selected):
        _check_scripts(ctx, selected)


def clear_cache() -> None:
    _OWN_FINDINGS.clear()
    _MODULE_IMPORTS.clear()
    _PARSED.clear()
    _HAZARDS.clear()
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
                shown = shown_path(reached, ctx)
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
        file = module_file(name, folders, root)
        if file is not None:
            yield name, file


def module_file(name: str, folders: list[Path], root: Path | None) -> Path | None:
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
        if depth < MAX_IMPORT_DEPTH:
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
                    found += [f for n in names if (f := module_file(n, [package], None))]
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


_PARSED: dict[Path, SourceFile | None] = {}
_HAZARDS: dict[Path, import_time.Hazards] = {}
Definition = tuple[SourceFile, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]


def _check_parse_time_calls(ctx: FileContext) -> None:
    """Project functions and methods the DAG file calls while it is parsed.

    ``mgr = VariableManager()`` then ``mgr.get_name("key")`` in a ``@dag`` body (or at module
    level) runs the method's ``Variable.get`` on every parse, though it lives in a helper module.
    """
    src = ctx.src
    imported = imported_names(src)
    if not imported:
        return
    folders = imports.module_folders(ctx)
    regions: list[list[ast.stmt]] = [src.tree.body]
    regions.extend(f.body for f in ctx.model.dag_functions)  # type: ignore[attr-defined]
    reported: set[int] = set()
    for body in regions:
        for call in import_time.parse_time_calls(src, body):
            if call.lineno in reported:
                continue
            target = _called_definition(ctx, call, imported, folders)
            if target is None:
                continue
            module, definition, shown_name = target
            if isinstance(definition, ast.ClassDef):
                continue
            hazards = _HAZARDS.get(module.path)
            if hazards is None:
                hazards = _HAZARDS[module.path] = import_time.Hazards(module)
            what = hazards.of_function(definition)
            if what:
                reported.add(call.lineno)
                import_time.report(
                    ctx,
                    call,
                    f"`{shown_name}()` ({shown_path(module.path, ctx)} line {definition.lineno}), "
                    f"which makes {what},",
                )


def imported_names(src: SourceFile) -> dict[str, tuple[str, str | None]]:
    """Names bound by the file's own imports: name -> (module, attribute or None)."""
    names: dict[str, tuple[str, str | None]] = {}
    for statement in src.tree.body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    names[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    names.setdefault(top, (top, None))
        elif isinstance(statement, ast.ImportFrom) and statement.module and statement.level == 0:
            for alias in statement.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = (statement.module, alias.name)
    return {
        name: where
        for name, where in names.items()
        if where[0].split(".")[0] not in sys.stdlib_module_names
        and not imports.is_installed_with_airflow(where[0].split(".")[0])
    }


def _called_definition(
    ctx: FileContext,
    call: ast.Call,
    imported: dict[str, tuple[str, str | None]],
    folders: list[Path],
) -> tuple[SourceFile, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, str] | None:
    src = ctx.src
    func = call.func
    root = ctx.project_root
    if isinstance(func, ast.Name) and func.id in imported:
        module, attr = imported[func.id]
        found = find_definition(module_file(module, folders, root), attr, folders)
        if found is not None and isinstance(found[1], ast.ClassDef):
            init = class_method(found[1], "__init__")
            return (found[0], init, func.id) if init is not None else None
        return (*found, func.id) if found is not None else None
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    receiver = func.value.id
    if receiver in imported:
        module, attr = imported[receiver]
        dotted = f"{module}.{attr}" if attr else module
        found = find_definition(module_file(dotted, folders, root), func.attr, folders)
        return (*found, f"{receiver}.{func.attr}") if found is not None else None
    bindings = src.lookup(receiver, src.scope_of(call))
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    made = bindings[0].value
    if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
        return None
    if made.func.id not in imported:
        return None
    module, attr = imported[made.func.id]
    found = find_definition(module_file(module, folders, root), attr, folders)
    if found is None or not isinstance(found[1], ast.ClassDef):
        return None
    method = class_method(found[1], func.attr)
    if method is None:
        return None
    return found[0], method, f"{receiver}.{func.attr}"


def class_method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for statement in cls.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == name:
            return statement
    return None


def parsed(file: Path) -> SourceFile | None:
    """The project module ``file``, parsed once per check."""
    if file not in _PARSED:
        try:
            _PARSED[file] = parse(file, file.read_bytes())[0]
        except OSError:
            _PARSED[file] = None
    return _PARSED[file]


def find_definition(
    file: Path | None, name: str | None, folders: list[Path], depth: int = 0
) -> Definition | None:
    """The function or class ``name`` of a project module, through re-exports."""
    if file is None or name is None or depth > MAX_IMPORT_DEPTH:
        return None
    module = parsed(file)
    if module is None:
        return None
    for statement in module.tree.body:
        if (
            isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and statement.name == name
        ):
            return module, statement
    for statement in module.tree.body:
        if not isinstance(statement, ast.ImportFrom):
            continue
        for alias in statement.names:
            if (alias.asname or alias.name) != name:
                continue
            if statement.level > 0:
                package = file.parents[statement.level - 1]
                source = (
                    module_file(statement.module, [package], None) if statement.module else None
                )
            else:
                source = module_file(statement.module or "", [file.parent, *folders], None)
            return find_definition(source, alias.name, folders, depth + 1)
    return None


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
    shown = shown_path(script, ctx)
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
            shown = shown_path(file, ctx)
            inner = FileContext(
                src, model, shown, ctx.runbook_name, ctx.project_root, ctx.reference_time
            )
            for _, rule in rules:
                rule(inner)
            found = inner.findings
        _OWN_FINDINGS[key] = found
    return _OWN_FINDINGS[key]


def shown_path(file: Path, ctx: FileContext) -> str:
    assert ctx.project_root is not None
    return file.relative_to(ctx.project_root).as_posix()
