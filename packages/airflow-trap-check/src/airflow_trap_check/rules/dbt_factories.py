"""TP006 for dbt tasks a project function builds: ``t_run = exec_dbt("run", "staging")`` in a
DAG, with ``exec_dbt(cmd, tag)`` in a project module returning ``BashOperator(bash_command=
f"cd {DIR} && dbt {cmd} --select {tag}")``, or a task group factory whose helpers make such
operators. The function, with the functions of its module it calls, is read with the literal
arguments the DAG file passes it (and those its module's own calls pass along).
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass

from airflow_trap_check import project, reach
from airflow_trap_check.base import FileContext, in_output, is_docstring
from airflow_trap_check.dags import AirflowModel, DagDef
from airflow_trap_check.rules import imports
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile

_SETTINGS = ("pool", "max_active_tis_per_dag", "task_concurrency")
_MAX_RENDERINGS = 16


@dataclass
class FactoryTask:
    call: ast.Call
    label: str
    how: str
    settings: dict[str, ast.expr]
    dag: DagDef


def dbt_factory_tasks(ctx: FileContext, dbt_command) -> list[FactoryTask]:
    """Calls of the DAG file to project functions that build an operator running dbt."""
    if ctx.project_root is None:
        return []
    src, model = ctx.src, ctx.model
    imported = project.imported_names(src)
    starred = _star_modules(src)
    if not imported and not starred:
        return []
    folders = imports.module_folders(ctx)
    task_nodes = {id(task.node) for task in model.tasks}
    found: list[FactoryTask] = []
    for call in src.nodes:
        if not isinstance(call, ast.Call) or id(call) in task_nodes:
            continue
        if isinstance(src.parents.get(call), ast.Call) and src.parents[call].func is call:
            continue
        definition = _definition(ctx, call, imported, starred, folders)
        if definition is None:
            continue
        dag = model.dag_of(call, None)
        if dag is None or any(id(a) in task_nodes for a in src.ancestors(call)):
            continue
        (module, function), written = definition
        command, settings = _dbt_in_factory(module, function, call, src, dbt_command)
        if command:
            shown = reach.shown_path(module.path, ctx)
            how = f"`{command}` in an operator it builds, {shown}"
            if not settings:
                defaults = model.default_args(dag)
                settings = {k: defaults[k] for k in _SETTINGS if k in defaults}
            found.append(FactoryTask(call, f"{written}()", how, settings, dag))
    return found


def _star_modules(src: SourceFile) -> list[str]:
    return [
        s.module
        for s in project.module_imports(src.tree)
        if isinstance(s, ast.ImportFrom)
        and s.level == 0
        and s.module
        and any(a.name == "*" for a in s.names)
    ]


def _definition(ctx, call, imported, starred, folders):
    found = project.called_definition(ctx.src, call, imported, folders, ctx.project_root)
    if found is None and isinstance(call.func, ast.Name) and call.func.id not in ctx.src.imports:
        if call.func.id in ctx.src.functions:
            return None
        for module in starred:
            file = project.module_file(module, [ctx.src.path.parent, *folders], ctx.project_root)
            definition = project.find_definition(file, call.func.id, folders)
            if definition is not None:
                found = definition, call.func.id
                break
    if found is None or not isinstance(found[0][1], FUNCTION_TYPES):
        return None
    return found


def _dbt_in_factory(
    module: SourceFile, function: ast.AST, call: ast.Call, caller: SourceFile, dbt_command
) -> tuple[str | None, dict[str, ast.expr]]:
    functions = AirflowModel(module).closure([function])
    operators = [
        node
        for f in functions
        for node in module.walk(f)
        if isinstance(node, ast.Call) and module.call_name(node).endswith("Operator")
    ]
    if not operators:
        return None, {}
    passed: dict[str, set[str]] = {}
    _bind(function, call, caller, passed)
    for f in functions:
        for inner in module.walk(f):
            if isinstance(inner, ast.Call):
                for callee in module.local_functions(inner):
                    _bind(callee, inner, module, passed)
    settings = {kw.arg: kw.value for op in operators for kw in op.keywords if kw.arg in _SETTINGS}
    for f in functions:
        for node in module.walk(f):
            if not isinstance(node, ast.Constant | ast.JoinedStr):
                continue
            if isinstance(module.parents.get(node), ast.JoinedStr):
                continue
            if is_docstring(module, node) or in_output(module, node):
                continue
            for text in _renderings(module, node, passed):
                match = dbt_command.search(text)
                if match:
                    return match.group(0).strip()[:40], settings
    return None, settings


def _bind(function: ast.AST, call: ast.Call, src: SourceFile, passed: dict[str, set[str]]):
    args = function.args  # type: ignore[attr-defined]
    params = [a.arg for a in (*args.posonlyargs, *args.args)]
    pairs = [*zip(params, call.args, strict=False)]
    pairs += [(k.arg, k.value) for k in call.keywords if k.arg]
    for param, arg in pairs:
        value = src.constant(arg)
        if isinstance(value, str):
            passed.setdefault(param, set()).add(value)


def _renderings(module: SourceFile, node: ast.AST, passed: dict[str, set[str]]) -> list[str]:
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    parts: list[list[str]] = []
    for value in node.values:  # type: ignore[attr-defined]
        if isinstance(value, ast.Constant):
            parts.append([str(value.value)])
        elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
            parts.append(sorted(passed.get(value.value.id, set())) or ["{}"])
        else:
            parts.append(["{}"])
    return ["".join(p) for p in itertools.islice(itertools.product(*parts), _MAX_RENDERINGS)]
