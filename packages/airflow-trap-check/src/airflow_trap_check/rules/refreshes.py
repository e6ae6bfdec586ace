"""Tables one task of a DAG empties so that another task can load them whole.

``delete_run_rows >> insert_run_rows`` is the same guard split over two tasks when the delete
is scoped to the run: every try of the DAG run deletes before it inserts.

``drop_table >> load_customers`` (a task that drops or truncates, then one that appends the
whole source) is a full refresh split over two tasks: a rerun drops the table again, so the
append cannot double anything. It only holds for a load of the whole source; a load of one
period after an upstream wipe is the other half of TP003 (the table loses every other month).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from airflow_trap_check import project, sql
from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import Unit
from airflow_trap_check.rules import imports
from airflow_trap_check.rules.clock_helpers import relative_imports
from airflow_trap_check.rules.clock_terms import argument
from airflow_trap_check.rules.schedules import schedule_interval
from airflow_trap_check.rules.writes import Write, api_writes, sql_texts
from airflow_trap_check.source import FUNCTION_TYPES

# A helper whose SQL lives where it cannot be read (a file path built at run time), known by name.
_WIPING_HELPER = re.compile(r"(^|_)(drop|truncate|recreate|reset|clear)(_\w*)?_?tables?(_|$)")


@dataclass(frozen=True)
class Refreshes:
    tables: frozenset[str]
    # a task wipes tables this file cannot name (a helper such as `drop_tables()`)
    unnamed: bool
    # tables a task clears of the run's own rows (`DELETE ... WHERE dt = '{{ ds }}'`), so that
    # the next task's insert starts from nothing on every try
    scoped: frozenset[str] = frozenset()
    # every DAG of the file runs more often than daily: a delete of the run's day is wider
    # than the run
    sub_daily: bool = False

    def clears_the_run(self, table: str | None) -> bool:
        return table is not None and any(sql.same_table(table, t) for t in self.scoped)

    def covers(self, table: str | None) -> bool:
        if table is not None and any(sql.same_table(table, t) for t in self.tables):
            return True
        return self.unnamed or (table is None and bool(self.tables))


NONE = Refreshes(frozenset(), False)


def of_dag_file(ctx: FileContext) -> Refreshes:
    """What the file's tasks wipe, each task on its own (an append in the same task is judged
    there, with its period)."""
    memo = ctx.src.rule_memo.setdefault("refreshes", {})
    if "dag" in memo:
        return memo["dag"]
    tables: set[str] = set()
    scoped: set[str] = set()
    unnamed = False
    for unit in ctx.model.units:
        if unit.task is None:
            continue
        kinds = [s for item in sql_texts(ctx, unit) for s in sql.statements(item.text)]
        if any(s.kind == "append" for s in kinds):
            continue  # a task that wipes and loads is a load of its own, not a refresh for others
        for statement in kinds:
            if statement.kind == "replace" and statement.table:
                tables.add(statement.table)
            elif statement.kind == "scoped_delete" and statement.table:
                scoped.add(statement.table)
        for write in api_writes(ctx.src, unit):
            if write.kind == "replace" and not write.loads and write.table:
                tables.add(write.table)
        unnamed = unnamed or any(_names_wiping_helper(node) for node in unit.walk())
    intervals = [schedule_interval(ctx.src, d, ctx.model.airflow_major) for d in ctx.model.dags]
    sub_daily = bool(intervals) and all(i is not None and i < timedelta(days=1) for i in intervals)
    memo["dag"] = Refreshes(frozenset(tables), unnamed, frozenset(scoped), sub_daily)
    return memo["dag"]


def _names_wiping_helper(node: ast.AST) -> bool:
    """``drop_tables()`` called, or handed to the operator as ``db.drop_tables``."""
    if isinstance(node, ast.Name):
        name = node.id
    elif isinstance(node, ast.Attribute):
        name = node.attr
    else:
        return False
    return bool(_WIPING_HELPER.search(name.lower()))


def helper_wipes(ctx: FileContext, unit: Unit) -> list[Write]:
    """``truncate_table("sales")``: a project function that truncates, drops or deletes all of
    the table it is passed (``f"TRUNCATE TABLE {table_name}"``) wipes the table named here."""
    src = ctx.src
    relative, packages = relative_imports(src)
    imported = {**relative, **project.imported_names(src)}
    folders: list[Path] | None = None
    found: list[Write] = []
    for call in unit.walk():
        if not isinstance(call, ast.Call) or not any(
            isinstance(a, ast.Constant) and isinstance(a.value, str)
            for a in [*call.args, *(k.value for k in call.keywords)]
        ):
            continue
        definitions = [(src, f) for f in src.local_functions(call)]
        if not definitions and imported:
            if folders is None:
                folders = [src.path.parent, *packages, *imports.module_folders(ctx)]
            called = project.called_definition(src, call, imported, folders, ctx.project_root)
            if called is not None:
                definitions.append(called[0])
        for module, definition in definitions:
            if not isinstance(definition, FUNCTION_TYPES):
                continue
            tables = {}
            for param in [*definition.args.posonlyargs, *definition.args.args]:
                value = argument(call, definition, param.arg)
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    tables[param.arg] = value.value
            if not tables:
                continue
            for node in module.walk(definition):
                if not isinstance(node, ast.JoinedStr):
                    continue
                text = "".join(
                    str(part.value)
                    if isinstance(part, ast.Constant)
                    else tables.get(part.value.id, "{}")
                    if isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name)
                    else "{}"
                    for part in node.values
                )
                for statement in sql.statements(text):
                    if (
                        statement.kind == "replace"
                        and statement.table is not None
                        and any(sql.same_table(statement.table, t) for t in tables.values())
                    ):
                        verb = statement.text.split()[0].upper()
                        found.append(Write(call, "replace", statement.table, verb, loads=False))
    return found
