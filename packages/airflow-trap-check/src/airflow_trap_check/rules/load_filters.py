"""Which writes of a task count: TP004's question, are the rows filtered on the delete's event-time
column before they are written (``df[df.pickup.dt.month == m]``, ``WHERE pickup ...`` in the
insert)? And is a wipe switched off by the operator's settings (``truncate=False``)?"""

from __future__ import annotations

import ast
import re

from airflow_trap_check import sql
from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import Unit
from airflow_trap_check.rules.writes import SqlText, Write, sql_texts
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


_OFF = frozenset({"False", "None", "", "0"})
_ON = frozenset({"True", "1"})


def switched_off(src: SourceFile, unit: Unit, node: ast.AST) -> bool:
    """The statement sits under ``if self.truncate:`` (or ``if not self.append_mode:``, or in
    the ``else`` of either) and the task runs the operator with that setting such that the
    branch is not taken (``truncate=False``, or the ``__init__`` default): the wipe never
    happens."""
    if not unit.arguments:
        return False
    child = node
    for ancestor in src.ancestors(node):
        if isinstance(ancestor, ast.If):
            in_body = any(child is n for n in ancestor.body)
            in_else = any(child is n for n in ancestor.orelse)
            test, negated = ancestor.test, False
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                test, negated = test.operand, True
            name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
            value = unit.arguments.get(name or "")
            taken = True if value in _ON else False if value in _OFF else None
            if taken is not None and (in_body or in_else) and (taken != negated) != in_body:
                return True
        child = ancestor
    return False


def refused_by_key(src: SourceFile, write: Write, texts: list[SqlText]) -> bool:
    """The task creates the table with a primary key or unique constraint and the append sits
    in a ``try`` that swallows any error: a rerun's rows are refused by the key, and ignored."""
    if write.table is None:
        return False
    if not any(
        isinstance(a, ast.Try)
        and any(h.type is None or ast.unparse(h.type) in _ANY_ERROR for h in a.handlers)
        for a in src.ancestors(write.node)
    ):
        return False
    for item in texts:
        for match in _CREATE_TABLE.finditer(item.text):
            if sql.same_table(sql.clean_table(match.group(1)), write.table) and _KEY.search(
                item.text[match.end() :]
            ):
                return True
    return False


_ANY_ERROR = frozenset({"Exception", "BaseException"})
_CREATE_TABLE = re.compile(r"create\s+table\s+(?:if\s+not\s+exists\s+)?([\w.\"`]+)", re.I)
_KEY = re.compile(r"^[^;]*?\b(primary\s+key|unique)\b", re.I)
_CONSUMING = frozenset({"remove", "move", "rename", "replace"})


def consumed(src: SourceFile, write: Write) -> bool:
    """Each file is loaded in a loop that then deletes or moves it away (``os.remove(path)``,
    ``shutil.move(path, done)``): a rerun finds no file left to load again."""
    line = getattr(write.node, "lineno", 0)
    for loop in src.ancestors(write.node):
        if isinstance(loop, ast.For) and any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.lineno > line
            and (
                node.func.attr == "unlink"
                or (
                    node.func.attr in _CONSUMING
                    and src.call_name(node).split(".")[0] in {"os", "shutil"}
                )
            )
            for node in src.walk(loop)
        ):
            return True
    return False


# rows past a value the task is handed: `WHERE id > %(max_id)s`, `> {last_id}`, `> :since`
_PAST_PARAMETER = re.compile(r">=?\s*(?:%\(\s*|\{\s*|:)(\w+)")
_MAX_READ = re.compile(r"\bmax\s*\(\s*[\w.\"{}]+\s*\)", re.IGNORECASE)


def handed(ctx: FileContext, unit: Unit, write: Write) -> bool:
    """A watermark load split in two tasks: one reads ``SELECT MAX(id) FROM target`` and hands
    it on (XCom), the loading task's callable takes it as a parameter and reads only the source
    rows past it. A rerun of the pair finds its rows in the target and appends none again."""
    function = next((r for r in unit.roots if isinstance(r, FUNCTION_TYPES)), None)
    if unit.task is None or function is None:
        return False
    parameters = {a.arg for a in [*function.args.posonlyargs, *function.args.args]}
    if not any(m.group(1) in parameters for m in _PAST_PARAMETER.finditer(unit.text)):
        return False
    for other in ctx.model.units:
        if other is unit or other.task is None or "max" not in other.text.lower():
            continue
        if not _hands_on(ctx.src, other, function):
            continue
        for item in sql_texts(ctx, other):
            for statement in sql.statements(item.text):
                if statement.kind != "select" or not _MAX_READ.search(statement.text):
                    continue
                # a target named at run time on both sides is taken to be the same table
                tables = sql.source_tables(statement.text)
                if write.table is None or any(sql.same_table(t, write.table) for t in tables):
                    return True
    return False


def _hands_on(src: SourceFile, upstream: Unit, function: ast.AST) -> bool:
    """The DAG passes what ``upstream``'s TaskFlow function returns to ``function``:
    ``load(high_mark())``, or ``mark = high_mark()`` then ``load(mark)``."""
    source = next((r for r in upstream.roots if isinstance(r, FUNCTION_TYPES)), None)
    if source is None:
        return False

    def made_by_upstream(value: ast.AST) -> bool:
        if isinstance(value, ast.Name):
            bindings = src.lookup(value.id, src.scope_of(value))
            return any(made_by_upstream(b.value) for b in bindings if b.kind == "assign")
        return (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == source.name
        )

    for node in src.nodes:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == function.name  # type: ignore[attr-defined]
            and any(made_by_upstream(a) for a in [*node.args, *(k.value for k in node.keywords)])
        ):
            return True
    return False
