"""TP001: the clock as the end of a requested range, and calls run through an executor.

``history(symbol, start="2015-01-01", end=datetime.now())`` or a project helper
``download_reports(start_date="2020-03-24", end_date=...)`` handed ``now() - timedelta(days=1)``:
the range asked for ends where the wall clock stands, so a retry or backfill loads up to the
moment it runs instead of the run's interval. A range whose start is a clock reading too
(``start=now - 30 days, end=now``) is a window counted back from the wall clock, the same trap.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from airflow_trap_check.rules.clock_terms import Taint, argument, real
from airflow_trap_check.source import FUNCTION_TYPES, Scope, SourceFile

if TYPE_CHECKING:
    from airflow_trap_check.rules.clock_sinks import SinkSearch

RANGE_START = re.compile(
    r"^(start|begin|from|since)(_?(date|time|dt|day|ts|datetime))?$|^(first|min)_?(date|day)$|"
    r"^(date|time)_?from$",
    re.IGNORECASE,
)
RANGE_END = re.compile(
    r"^(end|to|until|stop)(_?(date|time|dt|day|ts|datetime))?$|^(last|final|max)_?(date|day)$|"
    r"^(date|time)_?to$",
    re.IGNORECASE,
)
# ``pool.submit(fetch, symbol, start, end)``: ``fetch(symbol, start, end)`` runs in a worker.
SUBMIT_METHODS = frozenset({"submit", "apply_async", "run_in_executor"})


def delegated_call(call: ast.Call) -> ast.Call | None:
    """``executor.submit(fn, a, b)`` as the call ``fn(a, b)`` it schedules."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in SUBMIT_METHODS and call.args):
        return None
    args = list(call.args)
    if func.attr == "run_in_executor":  # loop.run_in_executor(pool, fn, *args)
        args = args[1:]
    if not args or not isinstance(args[0], ast.Name | ast.Attribute):
        return None
    inner = ast.Call(func=args[0], args=args[1:], keywords=list(call.keywords))
    return ast.copy_location(inner, call)


def range_end(search: SinkSearch, call: ast.Call, scope: Scope, label: str, definition=None):
    """Report a clock value passed as the end of a range whose start is not the clock's.

    Without ``definition`` the call's own keywords name the range (``start=``, ``end=``); with
    the project function's definition its parameters do, the start left at its default."""
    if definition is not None and isinstance(definition, FUNCTION_TYPES):
        args = definition.args
        names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    else:
        names = [kw.arg for kw in call.keywords if kw.arg]
    starts = [n for n in names if RANGE_START.match(n)]
    ends = [n for n in names if RANGE_END.match(n)]
    if not starts or not ends:
        return
    trailing = ""
    for start in starts:
        value = _value(call, definition, start)
        if value is not None and real(search.taint(value, scope)):
            if not _counted_back(search.src, value, scope):
                return  # started = now() .. end=now(): a duration, not a period
            trailing = f", its `{start}` counted back from the clock too"
    for end in ends:
        value = _value(call, definition, end)
        if value is None:
            continue
        if definition is not None and not _reads(definition, end):
            continue
        taint: Taint = search.taint(value, scope)
        if taint:
            if trailing and not real(taint):
                continue
            where = f"the end of the range `{label}()` asks for (`{end}`{trailing})"
            search._hit(taint, value, where, scope)


def _counted_back(src: SourceFile, value: ast.expr, scope: Scope, depth: int = 0) -> bool:
    """``end - timedelta(days=30)`` (also through the names it is made of): a span back."""
    for node in ast.walk(value):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            return True
        if isinstance(node, ast.Name) and depth < 2:
            bound = [b.value for b in src.lookup(node.id, scope) if b.kind == "assign"]
            if any(_counted_back(src, b, scope, depth + 1) for b in bound if b is not None):
                return True
    return False


def _value(call: ast.Call, definition, name: str) -> ast.expr | None:
    if definition is None:
        return next((kw.value for kw in call.keywords if kw.arg == name), None)
    return argument(call, definition, name)


def _reads(definition: ast.AST, name: str) -> bool:
    """The helper uses the parameter beyond its own default (``if end is None: end = ...``)."""
    return any(
        isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
        for node in ast.walk(definition)
    )


_UPDATE = re.compile(r"^\s*update\b[\s\S]*?\bset\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\?|%s|%\(\w+\)s|(?<![:\w]):[a-z_]\w*", re.IGNORECASE)


def where_values(src: SourceFile, sql: str | None, values: list[ast.expr]) -> list[ast.expr]:
    """Of an UPDATE's positional parameters, those its WHERE takes (the last ones): a clock in
    the SET part only stamps a column of the rows (``downloaded_at = ?``), it picks no period."""
    if not sql or len(values) != 1 or not _UPDATE.match(sql):
        return values
    seq = values[0]
    if isinstance(seq, ast.Name):
        bound = [b.value for b in src.lookup(seq.id, src.scope_of(seq)) if b.kind == "assign"]
        seq = bound[0] if len(bound) == 1 else seq
    where = re.split(r"\bwhere\b", sql, flags=re.IGNORECASE)
    if not isinstance(seq, ast.List | ast.Tuple) or len(where) != 2 or "{" in where[1]:
        return values
    taken = len(_PLACEHOLDER.findall(where[1]))
    if taken > len(seq.elts):
        return values
    return seq.elts[len(seq.elts) - taken :] if taken else []
