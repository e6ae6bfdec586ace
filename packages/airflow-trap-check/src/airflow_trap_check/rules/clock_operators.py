"""TP001: a clock value handed to a project operator that builds its data selection from it.

``StageOperator(..., run_day=datetime.utcnow())`` (or a module-level ``now = datetime.utcnow()``
handed as ``execution_date=now``) where the project class keeps the keyword
(``self.run_day = run_day``, ``self.day = kwargs.get("execution_date")``) and its ``execute``
puts it into the S3 prefix or the SQL: the clock, read when the file is parsed, picks the data.
A keyword the class never turns into a boundary (a label, a log line) is left alone.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airflow_trap_check import project
from airflow_trap_check.rules.clock_terms import real
from airflow_trap_check.rules.clock_windows import to_the_second
from airflow_trap_check.source import FUNCTION_TYPES, Scope

if TYPE_CHECKING:
    from airflow_trap_check.rules.clock_sinks import SinkSearch


def operator_keywords(search: SinkSearch, call: ast.Call, scope: Scope) -> None:
    found = search.helper(call.func, classes=True) if search._imported else None
    if found is None or not isinstance(found[2], ast.ClassDef):
        return
    written, shown, cls, flow = found
    init = project.class_method(cls, "__init__")
    if init is None or project.class_method(cls, "execute") is None:
        return
    sinks = {**flow.foreign.get(id(init), {}), **flow.param_sinks.get(id(init), {})}
    if not sinks:
        return
    for kw in call.keywords:
        if kw.arg is None:
            continue
        where = sinks.get(kw.arg)
        if where is None:
            continue
        taint = search.taint(kw.value, scope)
        if real(taint):
            search._hit(
                taint,
                kw.value,
                f"`{written}(..., {kw.arg}=)`, whose class ({shown}) puts it into {where}, called",
                scope,
            )


def callable_kwargs(search: SinkSearch, call: ast.Call, value: ast.expr, scope: Scope) -> bool:
    """``op_kwargs={"stamp": now.replace(microsecond=0)}`` for a project ``python_callable``: a
    stamp to the second is judged by what the function does with it (a folder per try, or a
    filter), not as a task argument."""
    taint = search.taint(value, scope)
    if not taint or not all(to_the_second(search.src, c) for c in taint):
        return False
    func = next((kw.value for kw in call.keywords if kw.arg == "python_callable"), None)
    found = search.helper(func) if func is not None and search._imported else None
    entries = search.src.dict_entries(value) if found is not None else None
    if not entries or not isinstance(found[2], FUNCTION_TYPES):  # type: ignore[index]
        return False
    written, shown, definition, flow = found  # type: ignore[misc]
    sinks = flow.param_sinks.get(id(definition), {})
    kinds = flow.param_kinds.get(id(definition), {})
    for key, item in entries.items():
        taint = search.taint(item, scope) if key in sinks else frozenset()
        if real(taint):
            where = f"`{written}()` ({shown}), which puts its `{key}` into {sinks[key]}, run"
            search._hit(taint, item, where, scope, *kinds.get(key, ("other",)))
    return True


def kwargs_key(node: ast.AST, scope: Scope) -> str | None:
    """``kwargs.get("day")`` or ``kwargs["day"]`` on the ``**kwargs`` of ``scope``: ``day``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr != "get" or not node.args:
            return None
        base, key = node.func.value, node.args[0]
    elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        base, key = node.value, node.slice
    else:
        return None
    kwarg = getattr(getattr(scope, "args", None), "kwarg", None)
    if (
        kwarg is not None
        and isinstance(base, ast.Name)
        and base.id == kwarg.arg
        and isinstance(key, ast.Constant)
        and isinstance(key.value, str)
    ):
        return key.value
    return None
