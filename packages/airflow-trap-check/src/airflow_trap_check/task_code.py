"""Loads done by project code a task runs, judged like a task of the DAG file.

A custom operator's ``execute`` in ``plugins/``, a python callable imported from a project
module, a project function the task's own code calls (and what that calls in turn), and a
TaskFlow task the DAG file imports from a project module: their appends and replacements are the
task's, and are reported at the task (or at the call) with the file and line that does them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from airflow_trap_check import commands, project, reach, sql
from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import AirflowModel, TaskDef, Unit
from airflow_trap_check.model import Finding
from airflow_trap_check.rules import imports, loads, refreshes, writes
from airflow_trap_check.source import SourceFile

Definition = project.Definition


def check(ctx: FileContext) -> None:
    if ctx.project_root is not None:
        _check_task_code(ctx)
        _check_scripts_run(ctx)


def clear_cache() -> None:
    _LOAD_FINDINGS.clear()


def _check_task_code(ctx: FileContext) -> None:
    """Loads done by project code a task runs: a custom operator's ``execute`` or an imported
    python callable, judged like a task of the DAG file and reported at the task."""
    src = ctx.src
    imported = project.imported_names(src)
    if not imported and not any(isinstance(n, ast.ImportFrom) for n in src.nodes):
        return
    folders = imports.module_folders(ctx)
    root = ctx.project_root
    for task in ctx.model.tasks if imported else ():
        if task.is_taskflow or not isinstance(task.node, ast.Call):
            continue
        func = task.node.func
        if isinstance(func, ast.Attribute) and func.attr == "partial":
            func = func.value
        found: Definition | None = None
        what = ""
        switches: dict[str, str] = {}
        if isinstance(func, ast.Name) and func.id in imported:
            module, attr = imported[func.id]
            found = project.definition_in(module, attr, folders, root)
            if found is not None and isinstance(found[1], ast.ClassDef):
                switches = _switches(ctx.src, task.node, found)
                execute = project.class_method(found[1], "execute")
                found = (found[0], execute) if execute is not None else None
                what = f"`{func.id}.execute()`"
            else:
                found = None
        callable_ = task.kwargs.get("python_callable")
        target = project.imported_target(callable_, imported) if callable_ is not None else None
        if found is None and target is not None:
            module, attr, written = target
            found = project.definition_in(module, attr, folders, root)
            if found is not None and isinstance(found[1], ast.ClassDef):
                found = None
            what = f"`{written}()`"
        if found is None or _task_guards_its_load(ctx, task):
            continue
        module_src, definition = found
        arguments = {**switches, **ctx.model.task_arguments(task)}
        shown = reach.shown_path(module_src.path, ctx)
        # the run's period may reach the callable only through an op_kwargs value
        caller_period = loads.names_a_period(ctx.src.segment(task.node)) or any(
            loads.names_a_period(value) for value in arguments.values()
        )
        for finding in _load_findings(
            module_src, definition, task.label, arguments, ctx, caller_period
        ):
            ctx.report(
                finding.code,
                task.node,
                f"task `{task.label}` runs {what} ({shown}), where line {finding.line}: "
                f"{finding.message}",
            )
        # and the project functions the callable calls, in its module's own imports
        for (helper_src, helper), _ in _reached(found, folders)[1:]:
            where = f"{shown}, which calls into {reach.shown_path(helper_src.path, ctx)}"
            for finding in _load_findings(helper_src, helper, task.label, {}, ctx, caller_period):
                ctx.report(
                    finding.code,
                    task.node,
                    f"task `{task.label}` runs {what} ({where}), where line {finding.line}: "
                    f"{finding.message}",
                )
    _check_helper_calls(ctx, imported, folders)


def _check_scripts_run(ctx: FileContext) -> None:
    """Loads in a python script a task runs (``python scripts/load.py``, ``spark-submit
    jobs/etl.py``, SparkSubmitOperator's ``application``, ``subprocess.run([...])`` in its
    callable): the whole script is the task's code, with the project functions it imports."""
    folders: list[Path] | None = None
    for task in ctx.model.tasks:
        run = list(commands.task_commands(ctx, task))
        if not run or _task_guards_its_load(ctx, task):
            continue
        for node, command in run:
            for script in commands.python_scripts(ctx, command):
                module_src = project.parsed(script)
                if module_src is None or AirflowModel(module_src).dags:
                    continue
                if folders is None:
                    folders = imports.module_folders(ctx)
                _report_script_loads(ctx, task.label, node, module_src, command, folders)


def _report_script_loads(
    ctx: FileContext,
    label: str,
    anchor: ast.AST,
    script: SourceFile,
    command: str,
    folders: list[Path],
) -> None:
    shown = reach.shown_path(script.path, ctx)
    period = loads.names_a_period(command)
    reached: list[Definition] = [(script, script.tree)]
    reached += _helpers_called(script, script.tree, [script.path.parent, *folders])
    seen: set[int] = set()
    for module_src, definition in reached:
        if id(definition) in seen:
            continue
        seen.add(id(definition))
        where = shown
        if module_src is not script:
            where += f", which calls into {reach.shown_path(module_src.path, ctx)}"
        for finding in _load_findings(module_src, definition, label, {}, ctx, period):
            ctx.report(
                finding.code,
                anchor,
                f"task `{label}` runs {where}, where line {finding.line}: {finding.message}",
            )


def _check_helper_calls(
    ctx: FileContext, imported: dict[str, tuple[str, str | None]], folders: list[Path]
) -> None:
    """Loads in project functions a task's code calls (``load()`` calling an imported
    ``load_chunks()``, and what that calls in turn), and in TaskFlow tasks the DAG file
    imports from a project module and calls in its DAG body."""
    task_nodes = {id(n) for unit in ctx.model.units if unit.task for n in unit.walk()}
    for unit in ctx.model.units:
        if unit.task is None or _task_guards_its_load(ctx, unit.task):
            continue
        period = loads.names_a_period(unit.text)
        # and what the task's own code imports when it runs (`from etls.load import load`)
        local = [n for n in unit.walk() if isinstance(n, ast.Import | ast.ImportFrom)]
        known = {**imported, **project.names_bound_by(local)} if local else imported
        for call in unit.walk():
            if isinstance(call, ast.Call):
                _report_helper_loads(ctx, call, unit.task.label, known, folders, False, period)
    for call in ctx.src.nodes:
        if isinstance(call, ast.Call) and id(call) not in task_nodes:
            name = call.func.id if isinstance(call.func, ast.Name) else ""
            _report_helper_loads(ctx, call, name, imported, folders, True, False)


def _report_helper_loads(
    ctx: FileContext,
    call: ast.Call,
    label: str,
    imported: dict[str, tuple[str, str | None]],
    folders: list[Path],
    only_tasks: bool,
    caller_period: bool,
) -> None:
    called = project.called_definition(ctx.src, call, imported, folders, ctx.project_root)
    if called is None:
        return
    found, written = called
    if only_tasks and not _is_taskflow_task(found[1]):
        return
    for (module_src, definition), _ in _reached(found, folders):
        shown = reach.shown_path(found[0].path, ctx)
        if module_src is not found[0]:
            shown += f", which calls into {reach.shown_path(module_src.path, ctx)}"
        for finding in _load_findings(module_src, definition, label, {}, ctx, caller_period):
            ctx.report(
                finding.code,
                call,
                f"task `{label}` calls `{written}()` ({shown}), where line {finding.line}: "
                f"{finding.message}",
            )


def _reached(found: Definition, folders: list[Path]) -> list[tuple[Definition, int]]:
    """``found`` and the project functions it calls, breadth first, each once."""
    seen: set[int] = set()
    result: list[tuple[Definition, int]] = []
    queue: list[tuple[Definition, int]] = [(found, 0)]
    while queue:
        (module_src, definition), depth = queue.pop(0)
        if id(definition) in seen:
            continue
        seen.add(id(definition))
        result.append(((module_src, definition), depth))
        if depth < project.MAX_IMPORT_DEPTH:
            queue.extend((d, depth + 1) for d in _helpers_called(module_src, definition, folders))
    return result


def _switches(src: SourceFile, call: ast.Call, found: Definition) -> dict[str, str]:
    """The on/off settings a custom operator runs with (``truncate=False``, or its
    ``__init__``'s default), as text: ``if self.truncate:`` branches that are off never run."""
    values: dict[str, object] = {}
    init = project.class_method(found[1], "__init__")  # type: ignore[arg-type]
    if init is not None:
        arguments = init.args
        named = [*arguments.args, *arguments.kwonlyargs]
        defaults = [*arguments.defaults, *arguments.kw_defaults]
        for parameter, default in zip(named[::-1], defaults[::-1], strict=False):
            if isinstance(default, ast.Constant):
                values[parameter.arg] = default.value
    for keyword in call.keywords:
        if keyword.arg is not None:
            value = src.constant(keyword.value)
            if value is not None or isinstance(keyword.value, ast.Constant):
                values[keyword.arg] = value
            else:
                values.pop(keyword.arg, None)  # set, to what cannot be read
    return {k: str(v) for k, v in values.items() if v in (None, False, True, "", 0, 1)}


def _is_taskflow_task(definition: ast.AST) -> bool:
    for decorator in getattr(definition, "decorator_list", []):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = ast.unparse(target)
        if name in {"task", "dag.task", "task_group"} or name.startswith(
            ("task.", "airflow.decorators.task")
        ):
            return True
    return False


def _helpers_called(
    module: SourceFile, definition: ast.AST, folders: list[Path]
) -> list[Definition]:
    """Project functions that ``definition`` (and the functions of its module it calls) call
    by a name imported from another project module, and methods of objects they make from an
    imported project class."""
    imported = project.imported_names(module)
    if not imported:
        return []
    model = AirflowModel(module)
    module_folders = [module.path.parent, *folders]
    found: list[Definition] = []
    for root in model.closure([definition]):
        for call in module.walk(root):
            if isinstance(call, ast.Call):
                called = project.called_definition(module, call, imported, module_folders, None)
                if called is not None:
                    found.append(called[0])
    return found


def _task_guards_its_load(ctx: FileContext, task: TaskDef) -> bool:
    """The DAG hands the operator a statement that removes or merges the run's rows."""
    unit = next((u for u in ctx.model.units if u.task is task), None)
    if unit is None:
        return False
    for item in writes.sql_texts(ctx, unit):
        for statement in sql.statements(item.text):
            if statement.kind in {"upsert", "merge", "scoped_delete", "partition", "replace"}:
                return True
    return False


_LOAD_FINDINGS: dict[
    tuple[Path, int, str, tuple[tuple[str, str], ...], refreshes.Refreshes, bool], list[Finding]
] = {}


def _load_findings(
    module: SourceFile,
    definition: ast.AST,
    label: str,
    arguments: dict[str, str],
    ctx: FileContext,
    caller_period: bool,
) -> list[Finding]:
    refreshed = refreshes.of_dag_file(ctx)
    arguments_key = tuple(sorted(arguments.items()))
    key = (module.path, id(definition), label, arguments_key, refreshed, caller_period)
    if key not in _LOAD_FINDINGS:
        model = AirflowModel(module)
        inner = FileContext(
            module,
            model,
            reach.shown_path(module.path, ctx),
            ctx.runbook_name,
            ctx.project_root,
            ctx.reference_time,
        )
        unit = Unit(None, model.closure([definition]), label, module, arguments)
        loads.check_unit(inner, unit, refreshed, caller_period)
        _LOAD_FINDINGS[key] = inner.findings
    return _LOAD_FINDINGS[key]
