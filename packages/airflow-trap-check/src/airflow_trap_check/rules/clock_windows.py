"""TP001 without a clock call: asking a source for a window counted from *now*.

``yf.download(symbol, period="5d")`` or open-meteo's ``past_days=7`` return the last days
before the moment the task runs, ``forecast_days=1`` the day it runs in; the API reads the wall
clock for the task. A retry next week or a backfill of last month gets this week's rows,
whatever the run's data interval. A request that names its own dates too (``start_date=...``)
gets those dates.
"""

from __future__ import annotations

import ast
import re

from airflow_trap_check.rules.clock_terms import BOUNDARY_KEY, DATE_FACTORIES, WATERMARK_READS
from airflow_trap_check.source import Scope, SourceFile, iter_scope

# Keyword arguments and request parameters that ask for the last N units before now.
WINDOW_KEY = re.compile(
    r"^(past_?(days|hours|weeks|months)|(days|hours|weeks|months)_?(back|ago)|"
    r"look_?back(_?(days|hours|weeks|window|period))?|last_?n_?(days|hours|weeks)|"
    r"n_?days_?back|since_?days|forecast_?(days|hours))$",
    re.IGNORECASE,
)
# A period written as a span relative to today, as market-data clients take it.
RELATIVE_SPAN_KEY = frozenset({"period", "range"})
RELATIVE_SPAN = re.compile(r"^(\d+(d|wk|mo|y|h)|ytd)$", re.IGNORECASE)
# A request that also names its dates gets those dates; the window key only shapes the answer.
EXPLICIT_DATES = re.compile(
    r"^(start|end|from|to|since|until)(_?(date|day|time|datetime))?$|^date$", re.IGNORECASE
)


def relative_windows(src: SourceFile) -> list[tuple[ast.AST, str]]:
    """(node, ``key=value`` as written) of each relative window the file asks a source for."""
    found: list[tuple[ast.AST, str]] = []
    for node in src.nodes:
        if isinstance(node, ast.Call):
            name = src.qualname(node.func) or ""
            if name.startswith(DATE_FACTORIES):
                continue
            if any(kw.arg and EXPLICIT_DATES.match(kw.arg) for kw in node.keywords):
                continue
            for kw in node.keywords:
                if kw.arg is not None:
                    window = _window(kw.arg, kw.value)
                    if window is not None:
                        found.append((kw.value, window))
        elif isinstance(node, ast.Constant | ast.JoinedStr):
            texts = _literal_texts(src, node)
            if texts is not None and "?" in texts[1]:
                found.extend((node, window) for window in _query_windows(*texts))
        elif isinstance(node, ast.Dict):
            named = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if any(isinstance(k, str) and EXPLICIT_DATES.match(k) for k in named):
                continue
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    window = _window(key.value, value)
                    if window is not None:
                        found.append((value, window))
    return found


# The same parameters written into a URL's query string (``/v1/forecast?...&forecast_days=1``).
_QUERY_PARAMETER = re.compile(r"[?&](?P<key>\w+)=(?P<value>[^&#\s'\"{}]*)")


def _query_windows(own: str, whole: str) -> list[str]:
    """Windows in the query parameters a string writes itself (``own``), unless the whole URL
    (``whole``, with the literals its names hold filled in) also names dates."""
    if any(EXPLICIT_DATES.match(m.group("key")) for m in _QUERY_PARAMETER.finditer(whole)):
        return []
    found = (
        _literal_window(m.group("key"), m.group("value")) for m in _QUERY_PARAMETER.finditer(own)
    )
    return [window for window in found if window is not None]


def _literal_texts(src: SourceFile, node: ast.Constant | ast.JoinedStr) -> tuple[str, str] | None:
    """A string's own literal text (``{}`` where an f-string puts a value) and its text with
    the literals the f-string's names are bound to filled in; None for a part of an f-string."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str) and not isinstance(src.parents.get(node), ast.JoinedStr):
            return node.value, node.value
        return None
    own = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return own, _joined_text(src, node, depth=0)


def _joined_text(src: SourceFile, node: ast.expr, depth: int) -> str:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else "{}"
    if isinstance(node, ast.JoinedStr):
        return "".join(_joined_text(src, value, depth) for value in node.values)
    if isinstance(node, ast.FormattedValue) and isinstance(node.value, ast.Name) and depth < 2:
        bound = src.lookup(node.value.id, src.scope_of(node))
        if len(bound) == 1 and bound[0].kind == "assign":
            return _joined_text(src, bound[0].value, depth + 1)
    return "{}"


def _window(key: str, value: ast.expr) -> str | None:
    if not isinstance(value, ast.Constant) or isinstance(value.value, bool):
        return None
    return _literal_window(key, value.value)


def _literal_window(key: str, raw: object) -> str | None:
    if WINDOW_KEY.match(key):
        if (isinstance(raw, int) and raw > 0) or (isinstance(raw, str) and raw.isdigit()):
            return f"{key}={raw!r}"
        return None
    if key in RELATIVE_SPAN_KEY and isinstance(raw, str) and RELATIVE_SPAN.match(raw):
        return f"{key}={raw!r}"
    return None


def watermark_default(src: SourceFile, name: str, value: ast.expr, bindings: list) -> bool:
    """``if last is None: last = datetime.now() - timedelta(days=720)`` where ``last`` is
    the high watermark fetched from the target (``SELECT max(added_at)``): the clock only
    seeds the very first run, the data decides every later one."""
    statement = src.parents.get(value)
    branch = src.parents.get(statement) if statement is not None else None
    if not (isinstance(branch, ast.If) and statement in branch.body):
        return False
    test = branch.test
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        tested = test.operand
    elif (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is | ast.Eq)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        tested = test.left
    else:
        return False
    if not (isinstance(tested, ast.Name) and tested.id == name):
        return False
    for other in bindings:
        if other.value is value:
            continue
        for node in src.walk(other.value):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in WATERMARK_READS:
                return True
            if (src.qualname(func) or "").endswith("Variable.get"):
                return True
    return False


def to_the_second(src: SourceFile, clock: ast.Call) -> bool:
    """``datetime.now().strftime("%Y%m%d_%H%M%S")``: a stamp down to the second names one
    file per try, it does not pick the period the file holds."""
    parent = src.parents.get(clock)
    if not isinstance(clock, ast.Call):
        return False  # a clock value imported from a project module
    if src.call_name(clock) in {"time.time", "time.time_ns"}:
        # `int(time.time())` as it is, epoch seconds: one name per try; `time.time() - 86400`
        # counts a window back instead
        while isinstance(parent, ast.Call) and src.call_name(parent) in {"int", "str", "round"}:
            parent = src.parents.get(parent)
        return isinstance(parent, ast.FormattedValue | ast.Assign)
    if not (isinstance(parent, ast.Attribute) and parent.value is clock):
        return False
    call = src.parents.get(parent)
    if not (isinstance(call, ast.Call) and call.func is parent):
        return False
    if parent.attr == "strftime" and call.args:
        form = src.constant(call.args[0])
        return isinstance(form, str) and ("%S" in form or "%f" in form or "%s" in form)
    if parent.attr == "replace":  # now().replace(microsecond=0): still to the second
        return [(k.arg, src.constant(k.value)) for k in call.keywords] == [("microsecond", 0)]
    return parent.attr in {"timestamp", "isoformat"}


# The run's own date as the task context names it.
RUN_DATE_NAMES = frozenset(
    {"logical_date", "execution_date", "data_interval_start", "data_interval_end", "ds", "ts"}
)


def run_date_guard_end(src: SourceFile, scope: Scope, returns: list[ast.Return]) -> int | None:
    """``if logical_date is not None: return logical_date...``: the last line of the first
    ``if`` that checks the run's own date and returns from it. Later returns (``return
    now().to_date_string()``) only serve a run whose context has no date."""
    for node in returns:
        branch = src.parents.get(node)
        if (
            isinstance(branch, ast.If)
            and node in branch.body
            and _mentions_run_date(src, branch.test, scope)
        ):
            return branch.end_lineno
    return None


def _mentions_run_date(src: SourceFile, expr: ast.expr, scope: Scope, depth: int = 0) -> bool:
    bindings = src.bindings(scope)
    for node in src.walk(expr):
        if isinstance(node, ast.Constant) and node.value in RUN_DATE_NAMES:
            return True
        if isinstance(node, ast.Attribute) and node.attr in RUN_DATE_NAMES:
            return True
        if isinstance(node, ast.Name):
            if node.id in RUN_DATE_NAMES:
                return True
            if depth == 0 and any(
                binding.value is not None and _mentions_run_date(src, binding.value, scope, 1)
                for binding in bindings.get(node.id, ())
            ):
                return True
    return False


def stored_position(src: SourceFile, call: ast.Call) -> bool:
    """``Variable.get(name, default_var=now - 365 days)`` in a module that also sets the
    Variable: a watermark the task keeps; the clock only seeds the very first run."""
    if not (src.qualname(call.func) or "").endswith("Variable.get"):
        return False
    memo = src.rule_memo.setdefault("clock_variable_set", {})
    if "set" not in memo:
        memo["set"] = any(
            isinstance(node, ast.Call) and (src.qualname(node.func) or "").endswith("Variable.set")
            for node in src.nodes
        )
    return memo["set"]


def container_writes(src: SourceFile, scope: Scope) -> list[tuple[str, ast.expr]]:
    """``payload["params"]["startDate"] = start``: the dict now selects data by date.

    Only keys that name a boundary count, so ``df["loaded_at"] = now`` leaves ``df`` clean.
    """
    writes = []
    for node in iter_scope(scope, src.kids):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if not isinstance(target, ast.Subscript):
                continue
            key = target.slice
            base = target.value
            while isinstance(base, ast.Subscript):
                base = base.value
            if (
                isinstance(base, ast.Name)
                and isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and BOUNDARY_KEY.search(key.value)
            ):
                writes.append((base.id, node.value))
    return writes
