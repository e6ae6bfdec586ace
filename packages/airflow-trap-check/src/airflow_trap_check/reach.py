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
from collections.abc import Callable, Iterator
from pathlib import Path

from airflow_trap_check import commands, instances, project
from airflow_trap_check.base import FileContext
from airflow_trap_check.commands import python_scripts, read_script, shell_scripts, task_commands
from airflow_trap_check.dags import AirflowModel, TaskDef
from airflow_trap_check.model import Finding
from airflow_trap_check.parsing import parse
from airflow_trap_check.rules import credentials, import_time, imports, paths
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile
from airflow_trap_check.syspath import project_sys_path
from airflow_trap_check.unused import USED_ONLY_CODES, inside, unused_functions

Rules = tuple[tuple[str, Callable[[FileContext], None]], ...]

# An imported module runs at parse time, so its import-time work counts; a script does not.
MODULE_RULES: Rules = (
    ("TP005", credentials.check),
    ("TP007", import_time.check),
    ("TP008", paths.check),
)
SCRIPT_RULES: Rules = (("TP005", credentials.check), ("TP008", paths.check))
# A script's argparse option whose default is a literal secret, as the credential rule names it.
_DEFAULTED_OPTION = re.compile(r"literal secret for `(--[\w-]+)`")

_OWN_FINDINGS: dict[tuple[Path, Rules], list[Finding]] = {}
_MODULE_IMPORTS: dict[Path, tuple[list[Path], list[Path]]] = {}
# What an import's own code does while the scheduler parses the DAG; not so for an import made
# inside a function, which runs with the task.
_PARSE_TIME_CODES = frozenset({"TP007"})


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
    _HAZARDS.clear()
    project.clear_cache()
    commands.clear_cache()


def _check_imports(ctx: FileContext, selected: set[str] | frozenset[str]) -> None:
    """Modules the DAG file imports, and those its functions import when a task runs them
    (``def _load(): from init_data import load``): their import-time work is not parse-time
    work then, but their secrets and host paths are the task's."""
    folders = imports.module_folders(ctx)
    at_parse = list(project.module_imports(ctx.src.tree))
    parsed_ids = {id(s) for s in at_parse}
    in_tasks = [
        node
        for node in ctx.src.nodes
        if isinstance(node, ast.Import | ast.ImportFrom)
        and id(node) not in parsed_ids
        and any(isinstance(a, FUNCTION_TYPES) for a in ctx.src.ancestors(node))
    ]
    for statement in [*at_parse, *in_tasks]:
        deferred = id(statement) not in parsed_ids
        for module, file in _project_modules(statement, folders, ctx.project_root):
            users = _tasks_using(ctx, statement)
            used = f" (used by task {', '.join(f'`{t}`' for t in users)})" if users else ""
            unused = unused_functions(statement, file)
            for reached, finding in _reached_findings(file, ctx, selected, deferred=deferred):
                if (
                    reached == file
                    and finding.code in USED_ONLY_CODES
                    and inside(finding.line, unused)
                ):
                    continue
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
    elif statement.module in project.PLUGIN_PATHS:  # Airflow 1: `from airflow.operators import X`
        for alias in statement.names:
            found = project.definition_in(statement.module, alias.name, folders, root)
            if found is not None:
                yield alias.name, found[0].path
        return
    elif statement.module and statement.level == 0:
        # `from pkg import name` may name a submodule as well as something pkg defines
        names = [statement.module, *(f"{statement.module}.{a.name}" for a in statement.names)]
    else:
        return
    for name in names:
        file = project.module_file(name, folders, root)
        if file is not None:
            yield name, file


def _reached_findings(
    first: Path,
    ctx: FileContext,
    selected: set[str] | frozenset[str],
    rules: Rules = MODULE_RULES,
    deferred: bool = False,
) -> Iterator[tuple[Path, Finding]]:
    """Findings of ``rules`` in ``first`` and the project modules it imports, each with the
    file it is in.

    A module imported inside a function of a reached module (``def load(): from etl import
    main``) is code the task runs, not code the scheduler parses: its secrets and host paths
    count, its import-time work does not."""
    seen: set[Path] = set()
    queue = [(first, 0, deferred)]
    while queue:
        file, depth, deferred = queue.pop(0)
        if file in seen or file == ctx.src.path.resolve():
            continue
        seen.add(file)
        for finding in _own_findings(file, ctx, rules):
            if finding.code in selected and not (deferred and finding.code in _PARSE_TIME_CODES):
                yield file, finding
        if depth < project.MAX_IMPORT_DEPTH:
            at_import, in_functions = _imports_of(file, ctx)
            queue.extend((imported, depth + 1, deferred) for imported in at_import)
            queue.extend((imported, depth + 1, True) for imported in in_functions)


def _imports_of(file: Path, ctx: FileContext) -> tuple[list[Path], list[Path]]:
    """Project modules ``file`` imports at module level, relative imports included, and those
    its functions import when they run. Its own module-level ``sys.path`` entries count."""
    if file not in _MODULE_IMPORTS:
        at_import: list[Path] = []
        in_functions: list[Path] = []
        src = project.parsed(file)
        if src is not None:
            folders = [file.parent, *imports.module_folders(ctx)]
            folders += [f for f in project_sys_path(src, ctx.project_root) if f not in folders]
            for statement in src.nodes:
                if not isinstance(statement, ast.Import | ast.ImportFrom):
                    continue
                found = at_import if src.parents.get(statement) is src.tree else in_functions
                if isinstance(statement, ast.ImportFrom) and statement.level > 0:
                    package = file.parents[statement.level - 1]
                    names = [statement.module] if statement.module else []
                    names += [
                        f"{statement.module}.{a.name}" if statement.module else a.name
                        for a in statement.names
                    ]
                    found += [f for n in names if (f := project.module_file(n, [package], None))]
                else:
                    found += [f for _, f in _project_modules(statement, folders, ctx.project_root)]
        _MODULE_IMPORTS[file] = (at_import, in_functions)
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


_HAZARDS: dict[Path, import_time.Hazards] = {}


def _check_parse_time_calls(ctx: FileContext) -> None:
    """Project functions and methods the DAG file calls while it is parsed.

    ``mgr = VariableManager()`` then ``mgr.get_name("key")`` in a ``@dag`` body (or at module
    level) runs the method's ``Variable.get`` on every parse, though it lives in a helper module.
    """
    src = ctx.src
    imported = project.imported_names(src)
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
        found = project.definition_in(module, attr, folders, root)
        if found is not None and isinstance(found[1], ast.ClassDef):
            init = project.class_method(found[1], "__init__")
            return (found[0], init, func.id) if init is not None else None
        return (*found, func.id) if found is not None else None
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    receiver = func.value.id
    if receiver in imported:
        module, attr = imported[receiver]
        dotted = f"{module}.{attr}" if attr else module
        found = project.definition_in(dotted, func.attr, folders, root)
        return (*found, f"{receiver}.{func.attr}") if found is not None else None
    return instances.instance_method(src, func, imported, folders, root)


def _check_scripts(ctx: FileContext, selected: set[str] | frozenset[str]) -> None:
    for task in ctx.model.tasks:
        for command_node, command in task_commands(ctx, task):
            for script in python_scripts(ctx, command):
                _report_script(ctx, task, command_node, script, command, selected)
            if "TP005" not in selected:
                continue
            for script in shell_scripts(ctx, command):
                for line, message in credentials.shell_secrets(read_script(script)):
                    ctx.report(
                        "TP005",
                        command_node,
                        f"task `{task.label}` runs {shown_path(script, ctx)}, where line {line}: "
                        f"{message}",
                    )


def _report_script(
    ctx: FileContext,
    task: TaskDef,
    anchor: ast.AST,
    script: Path,
    command: str,
    selected: set[str] | frozenset[str],
) -> None:
    shown = shown_path(script, ctx)
    for reached, finding in _reached_findings(script, ctx, selected, SCRIPT_RULES):
        option = _DEFAULTED_OPTION.search(finding.message)
        if option and re.search(rf"(^|\s){re.escape(option.group(1))}(=|\s|$)", command):
            continue  # the command passes the option, so the script's literal default is unused
        where = "" if reached == script else f", which imports {shown_path(reached, ctx)}"
        ctx.report(
            finding.code,
            anchor,
            f"task `{task.label}` runs {shown}{where}, where line {finding.line}: "
            f"{finding.message}",
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
