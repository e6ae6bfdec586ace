"""TP004's question: are the rows filtered on the delete's event-time column before they are
written (``df[df.pickup.dt.month == m]``, ``WHERE pickup ...`` in the insert)?"""

from __future__ import annotations

import ast
import re

from airflow_trap_check import sql
from airflow_trap_check.dags import Unit
from airflow_trap_check.rules.writes import SqlText
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile

# pandas/polars row filters; the comparison methods (`.dt.strftime("%Y-%m").eq(month)`) count
# like the operators they stand for
_FILTER_METHODS = frozenset(
    {"between", "isin", "query", "filter", "where", "loc", "mask"}
    | {"eq", "ne", "lt", "le", "gt", "ge", "is_between", "is_in"}
)


def filtered(
    src: SourceFile, unit: Unit, parsed: list[tuple[SqlText, sql.Statement]], columns: set[str]
) -> bool:
    """Whether the rows are filtered on one of ``columns`` before they are written."""
    for _, statement in parsed:
        if statement.kind == "append" and " where " in statement.text.lower():
            where = statement.text.lower().split(" where ", 1)[1]
            if any(column in where for column in columns):
                return True
    for node in unit.walk():
        candidate = None
        if isinstance(node, ast.Compare):
            candidate = node
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _FILTER_METHODS:
                candidate = node
        elif isinstance(node, ast.keyword) and node.arg == "filters":
            candidate = node.value
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "loc"
        ):
            candidate = node
        if candidate is not None and not isinstance(candidate, FUNCTION_TYPES):
            text = filter_text(src, candidate).lower()
            if any(column in text for column in columns):
                return True
    return False


def filter_text(src: SourceFile, node: ast.AST) -> str:
    """The filter's source, with the values of the names it uses: ``pickup.dt.month == m``
    filters on the pickup column when ``pickup = frame["tpep_pickup_datetime"]``."""
    parts = [src.segment(node)]
    scope = src.scope_of(node)
    for name in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}:
        parts.extend(
            src.segment(binding.value)
            for binding in src.lookup(name, scope)
            # a count of the rows already stored (`SELECT COUNT(*) ... WHERE pickup ...`) is
            # a query of the table, not a filter of the rows written
            if not _QUERY.search(src.segment(binding.value))
        )
    return " ".join(parts)


_QUERY = re.compile(r"""^[^'"]*\.(execute|sql|query)\(\s*f?(['"]{3}|['"])\s*select\b""", re.I)
