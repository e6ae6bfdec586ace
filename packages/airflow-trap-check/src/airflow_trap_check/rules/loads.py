"""TP003 and TP004: loads that are not idempotent per run.

Each task is judged on its own code: the operator's arguments, or the python callable / TaskFlow
body together with the functions of this file it calls. Its SQL is read from string literals,
f-strings, variables, helper return values and .sql files next to the DAG. An append (INSERT,
COPY, to_sql(if_exists="append"), insert_rows, BigQuery/Spark/Delta append modes, transfer
operators) needs a guard scoped to the run on the same table in the same task: a DELETE whose
WHERE is parameterised, MERGE, ON CONFLICT / ON DUPLICATE KEY / NOT EXISTS, INSERT OVERWRITE
or a partition swap. Replacing a whole table (if_exists="replace", TRUNCATE, DROP, DELETE with
no WHERE, WRITE_TRUNCATE) is idempotent but wipes other periods, so it is reported when the task
is parameterised by a period. Staging tables (read back by a later statement in the same task,
or named stg/staging/tmp/temp) and log/audit tables are left alone.

TP004 is the subtler case: the DELETE is scoped by an event-time column (pickup date...) while
the whole downloaded file is inserted again without being filtered on that column, so rows
dated outside the run's window are never deleted and pile up on each rerun.
"""

from __future__ import annotations

import ast
import re

from airflow_trap_check import sql
from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import Unit
from airflow_trap_check.rules import load_filters, refreshes
from airflow_trap_check.rules.writes import SqlText, Write, api_writes, sql_texts
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile

_STAGING = re.compile(
    r"(^|_)(stg|stage|staging|tmp|temp|temporary|scratch|landing|incoming)(_|$|\d)"
)
_COUNT_ONLY = re.compile(r"select\s+count\s*\(\s*\*\s*\)\s+from\s+[\w.\"]+(\s+where\b|\s*$)", re.I)
_SCRATCH = re.compile(r"(^|_|\.)(tmp|temp|temporary|scratch)(_|$|\d)")
# Rows about the pipeline rather than its data: one more per try is the record, not a duplicate.
_LOG_TABLE = re.compile(
    r"(^|_|\.)(log|logs|audit|audit_log|etl_runs|job_runs|run_log|load_history|pipeline_runs|"
    r"run_history|table_stats|quality_checks|quality_report|quality_reports|quality_results|"
    r"check_results|metrics)$"
    r"|(^|_|\.)(dq|quality|pipeline|monitoring|sla|job|etl|dag|task|run|system)_alerts$"
    r"|(^|_|\.)audit_\w+$|^(monitoring|audit|logging|logs|meta|metadata|observability)\.",
    re.IGNORECASE,
)
_PERIOD = re.compile(
    r"\b(data_interval_start|data_interval_end|logical_date|execution_date|next_ds|prev_ds|"
    r"ds_nodash|ds|month|months|year_month|yearmonth|yyyymm|yyyy_mm|period|run_date|"
    r"partition_date|date_str|target_date|process_date|load_date|batch_date)\b"
    r"|%Y-?%m(?!-?%d[ T_:-]*%H)|\{\{\s*(ds|ts|data_interval|logical_date|execution_date|"
    r"macros|params\.\w*(date|day|month|year|period|ds))",
    re.IGNORECASE,
)
# df["date"].dt.strftime("%Y-%m-%d") formats a column of the data, not the run's period
_COLUMN_FORMAT = re.compile(r"\.dt\.strftime\([^)]*\)")
_EVENT_COLUMN = re.compile(
    r"\b\w*(pickup|dropoff)\w*\b|\b\w*(_datetime|_timestamp|_time|_ts|_at)\b|"
    r"\b(event|trip|order|transaction|created|updated|pickup|dropoff)_?(date|day)\b",
    re.IGNORECASE,
)
_SOURCE_SCOPE = re.compile(
    r"\b\w*(source|file|load|ingest|batch|run|partition)\w*\s*(=|in\b|like)",
    re.IGNORECASE,
)
_FILE_READ = re.compile(
    r"read_parquet|read_csv|read_json|read_table|ParquetFile|pq\.|urlretrieve|\.parquet|\.csv|"
    r"copy_expert|copy_from|bulk_load|\bCOPY\b|iter_batches|open\(",
)


def check(ctx: FileContext) -> None:
    refreshed = refreshes.of_dag_file(ctx)
    for unit in ctx.model.units:
        check_unit(ctx, unit, refreshed if unit.task is not None else refreshes.NONE)


# 'month' in quotes names a column of the data (withColumnRenamed('i94mon', 'month')), and
# F.month() reads one, not the run's period; a quoted 'ds' is still the run's (context["ds"])
_QUOTED_COLUMN = re.compile(
    r"(['\"])(month|months|year|year_month|yearmonth|yyyymm|period)\1"
    r"|\b(F|functions|dt)\.(month|year)\b",  # Spark's F.month(col), pandas' .dt.month
    re.IGNORECASE,  # withColumn("Month", ...) names a column too
)


def names_a_period(code: str) -> bool:
    """The code is parameterised by the run's period (``ds``, ``month``, ``%Y-%m``...)."""
    return bool(_PERIOD.search(_QUOTED_COLUMN.sub("", _COLUMN_FORMAT.sub("", code))))


def check_unit(
    ctx: FileContext, unit: Unit, refreshed: refreshes.Refreshes, caller_period: bool = False
) -> None:
    """``refreshed``: what other tasks of the unit's DAG wipe before it may load them whole;
    ``caller_period``: the task calling into ``unit`` (a helper) names the run's period."""
    src = ctx.src
    texts = sql_texts(ctx, unit)
    writes: list[Write] = []
    day_deletes: list[Write] = []  # by the run's day, in a DAG that runs more often
    parsed: list[tuple[SqlText, sql.Statement]] = []
    for item in texts:
        for statement in sql.statements(item.text):
            parsed.append((item, statement))
    unique: dict[str, tuple[SqlText, sql.Statement]] = {}
    # report at the literal rather than at a variable holding it
    parsed.sort(key=lambda pair: isinstance(pair[0].node, ast.Name | ast.Attribute))
    for item, statement in parsed:
        unique.setdefault(statement.text.lower(), (item, statement))
    parsed = list(unique.values())
    for item, statement in parsed:
        if statement.kind == "append":
            verb = statement.text.split()[0].upper()
            if verb == "SELECT":  # an import function: SELECT aws_s3.table_import_from_s3(...)
                verb = statement.text.split()[1].split("(")[0] + "()"
            writes.append(Write(item.node, "append", statement.table, verb))
        elif statement.kind in {"upsert", "merge", "scoped_delete", "partition"}:
            guard = Write(item.node, "guard", statement.table, statement.kind)
            if statement.kind == "scoped_delete" and refreshed.sub_daily:
                day = _DAY_KEY.match(statement.where)
                # an INSERT ... SELECT of the same day reloads all of it, whatever the schedule
                if day and not any(
                    " where " in other.text.lower()
                    and day.group(1).lower() in other.text.lower().split(" where ", 1)[1]
                    for _, other in parsed
                    if other.kind == "append"
                ):
                    day_deletes.append(guard)
            writes.append(guard)
        elif statement.kind == "replace":
            verb = statement.text.split()[0].upper()
            writes.append(Write(item.node, "replace", statement.table, verb, loads=False))
    writes.extend(api_writes(src, unit))
    writes = [
        w for w in writes if w.kind == "append" or not load_filters.switched_off(src, unit, w.node)
    ]
    if not writes:
        return
    if any(w.kind == "append" for w in writes):
        writes.extend(refreshes.helper_wipes(ctx, unit))

    sources: set[str] = set()
    for _, statement in parsed:
        # numbering the new rows from the target's largest key is no read-back of it
        kind = statement.kind
        # and counting the stored rows checks the target, it does not read it back
        if kind == "select" and _COUNT_ONLY.match(statement.text):
            continue
        if kind in {"append", "merge", "select", "upsert"} and not _key_counter(statement, parsed):
            sources |= sql.source_tables(statement.text)
    unit_text = unit.text
    period_scoped = caller_period or names_a_period(unit_text)
    existence_checked = _existence_checked(unit, parsed) | _watermarked(src, unit, parsed)
    stored_rows_compared = _stored_rows_compared(unit, parsed)

    reported: set[int] = set()
    deletes = [
        (item, s)
        for item, s in parsed
        if s.kind == "scoped_delete" and _EVENT_COLUMN.search(s.where)
    ]
    # a staging layer (stg_*, landing_*) is emptied before each load, in the task (a guard
    # below) or by another task of the DAG: one that nothing in sight ever empties piles up
    # like any other table; a scratch table (tmp, temp) is thrown away whole
    appends = [
        w
        for w in writes
        if w.kind == "append"
        and not (w.table in sources or _scratch(w.table))
        and not (_staging(w.table) and refreshed.covers(w.table))
    ]
    for item, delete in deletes:
        if _SOURCE_SCOPE.search(delete.where) or not _FILE_READ.search(unit_text):
            continue
        targets = [w for w in appends if sql.same_table(w.table, delete.table)]
        if not targets:
            continue
        columns = {m.group(0).lower() for m in _EVENT_COLUMN.finditer(delete.where)}
        if load_filters.filtered(src, unit, parsed, columns):
            continue
        column = sorted(columns)[0]
        ctx.report(
            "TP004",
            item.node,
            f"DELETE on `{delete.table or 'the table'}` is scoped by `{column}` but task "
            f"`{unit.name}` re-inserts the whole file without filtering on it: rows dated "
            "outside that window survive the delete and are duplicated on every rerun",
        )
        reported.update(id(w) for w in targets)

    for write in appends:
        if id(write) in reported or write.table in existence_checked:
            continue
        if (write.table is None and stored_rows_compared) or load_filters.handed(ctx, unit, write):
            continue
        if any(
            g.kind in {"guard", "replace"} and sql.same_table(g.table, write.table)
            for g in writes
            # a templated target whose name says nothing of scratch is not the temp table wiped
            if g is not write
            and g not in day_deletes
            and not (write.table is None and _scratch(g.table))
        ):
            continue
        if _LOG_TABLE.search(write.table or ""):
            continue
        if refreshed.clears_the_run(write.table) or _duplicates_refused(src, write.node):
            continue
        if load_filters.refused_by_key(src, write, texts) or load_filters.consumed(src, write):
            continue
        if _inserted_only_when_absent(src, write, parsed):
            continue
        if refreshed.covers(write.table) and not period_scoped:
            continue
        wider = [g for g in day_deletes if sql.same_table(g.table, write.table)]
        if wider:
            ctx.report(
                "TP003",
                wider[0].node,
                f"the DELETE before {write.detail} into {_name(write.table)} removes the whole "
                f"day, but task `{unit.name}` runs more often than daily and loads only its own "
                "run's rows: each run wipes what the day's earlier runs loaded",
            )
            continue
        ctx.report(
            "TP003",
            write.node,
            f"{write.detail} appends to {_name(write.table)} and nothing in task `{unit.name}` "
            "first removes what an earlier try of the same run wrote: a retry or backfill loads "
            "the rows twice",
        )
    if period_scoped:
        for write in writes:
            if write.kind != "replace" or _exempt(write.table, sources):
                continue
            if not write.loads and not any(
                w.kind == "append" and sql.same_table(w.table, write.table) for w in writes
            ):
                continue  # a task that only drops or truncates is not a load
            if any(g.kind == "guard" and sql.same_table(g.table, write.table) for g in writes):
                continue
            if write.table is None and sources:
                continue  # an unnamed table next to statements reading one: likely staging
            ctx.report(
                "TP003",
                write.node,
                f"{write.detail} replaces all of {_name(write.table)} although task `{unit.name}` "
                "loads one period: each run wipes the other months",
            )


# `WHERE ingest_date = %s`: one day's rows, the run's day, and nothing finer
_DAY_KEY = re.compile(
    r"""^\s*\(?\s*[\w."]*\b(\w*_date|date|dt|day|ds)"?\s*=\s*"""
    r"""(%s|%\(\w+\)s|\?|:\w+|'?\{[^{}]*\}'?|\$\d+)\s*\)?\s*$""",
    re.IGNORECASE,
)


_DUPLICATE_ERRORS = re.compile(r"IntegrityError|UniqueViolation|DuplicateKey|unique", re.I)


def _duplicates_refused(src: SourceFile, node: ast.AST) -> bool:
    """The insert sits in a ``try`` that swallows the unique key's refusal: rows already there
    are skipped one by one, so a rerun adds nothing."""
    for ancestor in src.ancestors(node):
        if isinstance(ancestor, ast.Try):
            for handler in ancestor.handlers:
                if handler.type is not None and _DUPLICATE_ERRORS.search(ast.unparse(handler.type)):
                    return True
    return False


def _inserted_only_when_absent(
    src: SourceFile, write: Write, parsed: list[tuple[SqlText, sql.Statement]]
) -> bool:
    """``SELECT COUNT(*) FROM t WHERE key = %s``, then ``if count == 0:`` insert: each row is
    looked up in the target first and inserted only when it is not there."""
    if not any(isinstance(a, ast.If) for a in src.ancestors(write.node)):
        return False
    return any(
        statement.kind == "select"
        and sql.PLACEHOLDER.search(statement.where or "")
        # a templated table name (`FROM {table}`) may be any table, this one included
        and any(
            sql.same_table(table, write.table)
            for table in (sql.source_tables(statement.text) or {None})
        )
        for _, statement in parsed
    )


def _stored_rows_compared(unit: Unit, parsed: list[tuple[SqlText, sql.Statement]]) -> bool:
    """The task reads the rows already stored in a table it names at run time (``SELECT *
    FROM {table}``, ``SELECT DISTINCT ON (id) ... FROM raw.{}``) and compares the new rows with
    them (a left ``merge``, ``isin``, ``key not in stored``, ``stored.get(key) == row``): an
    anti-join against the target, so a rerun finds its rows there and appends none again."""
    if not any(
        statement.kind == "select" and sql.reads_templated_table(statement.text)
        for _, statement in parsed
    ):
        return False
    for node in unit.walk():
        if isinstance(node, ast.Compare):
            if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
                return True
            if any(
                isinstance(part, ast.Call)
                and isinstance(part.func, ast.Attribute)
                and part.func.attr == "get"
                for part in (node.left, *node.comparators)
            ):
                return True
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"merge", "isin"}
        ):
            return True
    return False


def _name(table: str | None) -> str:
    return f"`{table}`" if table else "its table"


def _staging(table: str | None) -> bool:
    return table is not None and bool(_STAGING.search(table))


def _scratch(table: str | None) -> bool:
    return table is not None and bool(_SCRATCH.search(table))


def _exempt(table: str | None, sources: set[str]) -> bool:
    return _staging(table) or (table is not None and table in sources)


def _existence_checked(unit: Unit, parsed: list[tuple[SqlText, sql.Statement]]) -> set[str]:
    """Tables the task first looks up for the run's rows before deciding to skip."""
    early_exit = False
    for node in unit.walk():
        if isinstance(node, ast.If):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Return) or (
                    isinstance(sub, ast.Raise) and "Skip" in ast.unparse(sub)
                ):
                    early_exit = True
    if not early_exit:
        return set()
    checked = set()
    for _, statement in parsed:
        if statement.kind == "select" and sql.PLACEHOLDER.search(statement.where or ""):
            checked |= sql.source_tables(statement.text)
    return checked


_MAX = re.compile(r"\bmax\s*\(", re.IGNORECASE)
# MAX of a surrogate key the load itself numbers (saleskey, customer_sk): a counter for the new
# rows' keys, which a rerun's rows get afresh, so it cannot tell whether they are stored already
_SURROGATE_MAX = re.compile(r"\bmax\s*\(\s*[\w.]*(key|_sk)\s*\)", re.IGNORECASE)


# a query reading the rows past a value the task passes it: `WHERE customer_id > {}`
_PAST_VALUE = re.compile(r">=?\s*(\{|%s|%\(|:\w|\?)")


def _key_counter(statement: sql.Statement, parsed: list[tuple[SqlText, sql.Statement]]) -> bool:
    """``SELECT MAX(sale_key)`` numbering the new rows, unless the task reads the rows past
    a value it passes (then the largest key is a watermark on the source's ids)."""
    text = statement.text
    if not _SURROGATE_MAX.search(text) or len(_MAX.findall(text)) != 1:
        return False
    return not any(_PAST_VALUE.search(other.text) for _, other in parsed)


def _watermarked(
    src: SourceFile, unit: Unit, parsed: list[tuple[SqlText, sql.Statement]]
) -> set[str]:
    """Tables the task reads its high-water mark from (``SELECT MAX(date) FROM target``)
    before appending what lies beyond it: a rerun finds its rows there and appends nothing."""
    tables: set[str] = set()
    for item, statement in parsed:
        if statement.kind != "select" or not _MAX.search(statement.text):
            continue
        if _key_counter(statement, parsed):
            continue
        tables |= sql.source_tables(statement.text)
        # the query built by a helper from its parameters: the table names the task passes
        function = next(
            (a for a in src.ancestors(item.node) if isinstance(a, FUNCTION_TYPES)), None
        )
        if function is None:
            continue
        for node in unit.walk():
            if isinstance(node, ast.Call) and function in src.local_functions(node):
                for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                    value = src.constant(arg)
                    if isinstance(value, str) and value.replace("_", "").isalnum():
                        tables.add(value.lower())
    return tables
