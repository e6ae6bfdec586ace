"""TP002 for DAGs built by a factory in another project module.

``dag = make_ingest_dag("yellow", common.default_args)`` in a DAG file, with ``make_ingest_dag``
in ``dags/common/dags.py`` building ``DAG(schedule="@monthly", catchup=True,
default_args=default_args)``: the DAG's settings are half in the factory and half in what the
DAG file passes. The arguments are resolved where they are written (names bound once, module
attributes of project modules, ``**`` merges of dicts, dates evaluated), then the factory's DAG
is judged with them, as a factory in the same file is, and reported at the call.
"""

from __future__ import annotations

import ast
from pathlib import Path

from airflow_trap_check import project, reach
from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import AirflowModel
from airflow_trap_check.rules import catchup, imports, schedules
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile

_MAX_DEPTH = 6
_MODELS: dict[Path, AirflowModel] = {}  # per project module, however many DAG files call it


def clear_cache() -> None:
    _MODELS.clear()


def check(ctx: FileContext) -> None:
    if ctx.project_root is None:
        return
    src = ctx.src
    imported = project.imported_names(src)
    if not imported:
        return
    folders = imports.module_folders(ctx)
    for call in src.nodes:
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            continue
        where = imported.get(call.func.id)
        if where is None:
            continue
        found = project.definition_in(where[0], where[1], folders, ctx.project_root)
        if found is None or not isinstance(found[1], FUNCTION_TYPES):
            continue
        module, function = found
        model = _MODELS.get(module.path)
        if model is None:
            model = _MODELS[module.path] = AirflowModel(module)
        dags = [dag for dag in model.dags if module.scope_of(dag.node) is function]
        if not dags:
            continue
        arguments = _bound(function, call, lambda node: _resolved(ctx, src, node, folders, 0))
        shown = reach.shown_path(module.path, ctx)
        inner = FileContext(
            module, model, shown, ctx.runbook_name, ctx.project_root, ctx.reference_time
        )
        for dag in dags:
            if catchup.check_dag(inner, dag, arguments):
                break
        for finding in inner.findings:
            ctx.report(
                "TP002",
                call,
                f"`{call.func.id}()` builds a DAG in {shown} (line {finding.line}) where "
                f"{finding.message}",
            )


def _bound(function: ast.AST, call: ast.Call, resolve) -> dict[str, ast.expr]:
    args = function.args  # type: ignore[attr-defined]
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    bound: dict[str, ast.expr] = {}
    for name, arg in zip(positional, call.args, strict=False):
        if isinstance(arg, ast.Starred):
            break
        bound[name] = resolve(arg)
    names = set(positional) | {a.arg for a in args.kwonlyargs}
    for kw in call.keywords:
        if kw.arg in names:
            bound[kw.arg] = resolve(kw.value)
    return bound


def _resolved(
    ctx: FileContext, src: SourceFile, node: ast.expr, folders: list[Path], depth: int
) -> ast.expr:
    """``node`` as a value that reads the same in another module: names and module attributes
    replaced by what they are bound to, dicts merged, dates turned into ISO strings."""
    if depth > _MAX_DEPTH:
        return node

    def again(inner_src: SourceFile, inner: ast.expr) -> ast.expr:
        return _resolved(ctx, inner_src, inner, folders, depth + 1)

    if isinstance(node, ast.Name):
        bindings = src.lookup(node.id, src.scope_of(node))
        if len(bindings) == 1 and bindings[0].kind == "assign":
            return again(src, bindings[0].value)
        target = _module_level(ctx, src, node.id, None, folders)
        return again(*target) if target else node
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        target = _module_level(ctx, src, node.value.id, node.attr, folders)
        return again(*target) if target else node
    if isinstance(node, ast.Dict):
        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        for key, value in zip(node.keys, node.values, strict=True):
            value = again(src, value)
            if key is None and isinstance(value, ast.Dict):
                keys.extend(value.keys)
                values.extend(value.values)
            else:
                keys.append(key)
                values.append(value)
        return ast.Dict(keys=keys, values=values)
    if isinstance(node, ast.Call):
        day = schedules.date_value(src, node, ctx.reference_time)
        if day is not None:
            return ast.Constant(day.isoformat())
    return node


def _module_level(
    ctx: FileContext, src: SourceFile, name: str, attr: str | None, folders: list[Path]
) -> tuple[SourceFile, ast.expr] | None:
    """What ``name`` (``from m import name``) or ``name.attr`` (``import name``) is bound to at
    the top of the project module it comes from."""
    where = project.imported_names(src).get(name)
    if where is None:
        return None
    module, imported_attr = where
    if attr is None:
        if imported_attr is None:
            return None
        attr = imported_attr
    elif imported_attr is not None:
        module = f"{module}.{imported_attr}"
    file = project.module_file(module, [src.path.parent, *folders], ctx.project_root)
    target = project.parsed(file) if file is not None else None
    if target is None:
        return None
    for statement in target.tree.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == attr for t in statement.targets
        ):
            return target, statement.value
    return None
