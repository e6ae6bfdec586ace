"""TP001 in SQL: the database's clock picks the rows a task moves.

``INSERT INTO warehouse.rates SELECT ... FROM staging.rates WHERE extracted_at > NOW() -
INTERVAL '2 days'`` loads whatever the last two days are when the task happens to run: a
backfill of last month moves this week's rows, a late retry misses some. ``NOW()`` in a ``SET``
or ``VALUES`` list only stamps the row (an audit column) and is not this trap; neither is a
read-only query (a health report).
"""

from __future__ import annotations

import ast
import re

from airflow_trap_check import commands, project, sql
from airflow_trap_check.base import FileContext
from airflow_trap_check.rules import imports
from airflow_trap_check.rules.writes import sql_texts
from airflow_trap_check.source import SourceFile

_MOVES_ROWS = frozenset({"append", "upsert", "merge"})
_SELECT_WHERE = re.compile(
    r"\bselect\b.*?\bfrom\b.*?\bwhere\b(?P<where>.*?)"
    r"(?=\bgroup\s+by\b|\border\s+by\b|\bon\s+conflict\b|\bon\s+duplicate\b|\breturning\b|"
    r"\blimit\b|\bwhen\s+(not\s+)?matched\b|\bunion\b|$)"
)
_CLOCK = re.compile(
    r"\b(now|getdate|sysdate|sysdatetime|utc_timestamp|current_timestamp|localtimestamp|"
    r"current_date|curdate|systimestamp)\b\s*(\(\s*\))?"
)

# the clock minus a span: the start of a window counted back from now
_WINDOW = re.compile(
    r"\b(now|getdate|sysdate|current_timestamp|localtimestamp|current_date|curdate)\b\s*"
    r"(\(\s*\))?\s*-\s*(interval\b|\d)|\b(dateadd|date_sub|date_add|timestampadd|subdate)\s*\("
    r"[^;]*?\b(now|getdate|sysdate|current_timestamp|current_date|curdate)\b"
)
# what keeps a query's result as the run's output, not a check of it
_STORE_METHODS = frozenset(
    {"to_csv", "to_sql", "to_parquet", "to_json", "to_excel", "insert_rows", "writerows"}
)
_AGGREGATE = re.compile(r"\b(count|max|min|sum|avg|bool_and|bool_or|exists)\s*\(")


def check(ctx: FileContext) -> None:
    _check_helpers(ctx)
    text = ctx.src.text.lower()
    if not _CLOCK.search(text) and ".sql" not in text:
        return  # most files: no clock function in their SQL, nor a .sql file that may hold one
    reported: set[int] = set()
    for unit in ctx.model.units:
        for item in sql_texts(ctx, unit):
            if id(item.node) in reported:
                continue
            for statement in sql.statements(item.text):
                clock = _clock_in_row_filter(statement, bool(ctx.model.tasks))
                if clock is None:
                    continue
                reported.add(id(item.node))
                table = f"`{statement.table}`" if statement.table else "its table"
                does = "reads" if statement.kind == "select" else f"moves into {table}"
                ctx.report(
                    "TP001",
                    item.node,
                    f"the database's clock (`{clock}`) picks the rows this "
                    f"{statement.text.split()[0].upper()} {does}: a retry or backfill would "
                    "move the current window instead of the run's own",
                )
                break


def _clock_in_row_filter(
    statement: sql.Statement, reads: bool = True, stored: bool = False
) -> str | None:
    """``reads``: a SELECT counts too (the code runs in a task); ``stored``: its result is kept
    (written to a file or table), so even a sum over a window counted back from now is data."""
    if statement.kind not in _MOVES_ROWS and not (reads and statement.kind == "select"):
        return None
    lowered = statement.text.lower()
    for match in _SELECT_WHERE.finditer(lowered):
        where = match.group("where")
        clock = _CLOCK.search(where)
        if clock is None:
            continue
        if statement.kind == "select":
            # a read picks the period when it fetches rows from a window counted back from the
            # clock; a count or a check reading back what the run stamped today does not, unless
            # the sums it makes are stored as the run's output
            clock = _WINDOW.search(where)
            if clock is None:
                continue
            if not stored and (_aggregates(match.group(0)) or "group by" in lowered):
                continue
        return clock.group(0).upper().replace(" ", "")
    return None


def _aggregates(select: str) -> bool:
    """A count, a sum, a group: a report about the rows, not the rows themselves."""
    listed = select[select.index("select") + 6 : select.index("from")]
    return bool(_AGGREGATE.search(listed))


def _check_helpers(ctx: FileContext) -> None:
    """SQL in a project function a task runs (``python_callable=get_rows`` imported from
    ``scripts/aggregate.py``) or in a python script its command runs (``python
    etl/report.py``), reported where the task names it."""
    imported = project.imported_names(ctx.src) if ctx.project_root else {}
    folders = imports.module_folders(ctx) if ctx.project_root else []
    done: set[int] = set()
    scripts = ctx.project_root is not None and ".py" in ctx.src.text  # `python etl/report.py`
    for task in ctx.model.tasks:
        func = task.kwargs.get("python_callable")
        target = project.imported_target(func, imported) if func is not None else None
        found = project.definition_in(*target[:2], folders, ctx.project_root) if target else None
        if found is not None and id(found[1]) not in done:
            done.add(id(found[1]))
            _report_sql_in(ctx, func, f"`{target[2]}`", *found)  # type: ignore[arg-type,index]
        for node, command in commands.task_commands(ctx, task) if scripts else ():
            for script in commands.python_scripts(ctx, command):
                module = project.parsed(script)
                if module is not None and id(module.tree) not in done:
                    done.add(id(module.tree))
                    _report_sql_in(ctx, node, "the script", module, module.tree)


def _report_sql_in(
    ctx: FileContext, anchor: ast.AST, label: str, helper: SourceFile, definition: ast.AST
) -> None:
    # kept when the function or script writes a file or table: a check only raises or logs
    stored = any(_stores(helper, node) for node in helper.walk(definition))
    for node in helper.walk(definition):
        text = helper.string(node) if isinstance(node, ast.Constant) else None
        clock = None
        for statement in sql.statements(text) if text and _CLOCK.search(text.lower()) else []:
            clock = _clock_in_row_filter(statement, stored=stored)
            if clock is not None:
                break
        if clock is not None:
            shown = helper.path.relative_to(ctx.project_root).as_posix()  # type: ignore[arg-type]
            ctx.report(
                "TP001",
                anchor,
                f"{label} ({shown}) runs SQL on line {node.lineno} whose row filter "
                f"the database's clock (`{clock}`) sets: a retry or backfill would read or "
                "move the current window instead of the run's own",
            )
            return


def _stores(helper: SourceFile, node: ast.AST) -> bool:
    """A call keeping a result: written to a file or a table (``df.to_csv(...)``)."""
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Attribute) and node.func.attr in _STORE_METHODS:
        return True
    return helper.qualname(node.func) in {"json.dump", "pickle.dump"}
