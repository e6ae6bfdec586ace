"""TP001 without a clock call: asking a source for a window counted back from *now*.

``yf.download(symbol, period="5d")`` or open-meteo's ``past_days=7`` return the last days
before the moment the task runs; the API reads the wall clock for the task. A retry next week
or a backfill of last month gets this week's rows, whatever the run's data interval.
"""

from __future__ import annotations

import ast
import re

from airflow_trap_check.rules.clock_terms import DATE_FACTORIES, WATERMARK_READS
from airflow_trap_check.source import SourceFile

# Keyword arguments and request parameters that ask for the last N units before now.
WINDOW_KEY = re.compile(
    r"^(past_?(days|hours|weeks|months)|(days|hours|weeks|months)_?(back|ago)|"
    r"look_?back(_?(days|hours|weeks|window|period))?|last_?n_?(days|hours|weeks)|"
    r"n_?days_?back|since_?days)$",
    re.IGNORECASE,
)
# A period written as a span relative to today, as market-data clients take it.
RELATIVE_SPAN_KEY = frozenset({"period", "range"})
RELATIVE_SPAN = re.compile(r"^(\d+(d|wk|mo|y|h)|ytd)$", re.IGNORECASE)


def relative_windows(src: SourceFile) -> list[tuple[ast.AST, str]]:
    """(node, ``key=value`` as written) of each relative window the file asks a source for."""
    found: list[tuple[ast.AST, str]] = []
    for node in src.nodes:
        if isinstance(node, ast.Call):
            name = src.qualname(node.func) or ""
            if name.startswith(DATE_FACTORIES):
                continue
            for kw in node.keywords:
                if kw.arg is not None:
                    window = _window(kw.arg, kw.value)
                    if window is not None:
                        found.append((kw.value, window))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    window = _window(key.value, value)
                    if window is not None:
                        found.append((value, window))
    return found


def _window(key: str, value: ast.expr) -> str | None:
    if not isinstance(value, ast.Constant) or isinstance(value.value, bool):
        return None
    raw = value.value
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
