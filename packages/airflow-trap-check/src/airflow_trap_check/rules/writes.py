"""What a task's code writes: its SQL texts and the appends, replacements and guards of the
APIs it calls (to_sql, insert_rows, BigQuery and Spark writers, transfer operators).

SQL is read from string literals, f-strings, variables, helper return values and .sql files
next to the DAG, the project's sql/ folders or a DAG's template_searchpath.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from airflow_trap_check import project, sql
from airflow_trap_check.base import (
    FileContext,
    folders_up_to_root,
    in_airflow_home,
    in_output,
    is_docstring,
    is_pattern,
    keyword_value,
)
from airflow_trap_check.dags import Unit
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile
from airflow_trap_check.strings import STR_METHODS

_APPEND_METHODS = frozenset({"insert_rows", "insert_rows_json", "bulk_insert_rows"})
# a document store's collection: insert_one/insert_many add documents, these remove or upsert
_DOCUMENT_INSERTS = frozenset({"insert_one", "insert_many"})
_DOCUMENT_GUARDS = frozenset({"delete_many", "delete_one", "replace_one", "drop_collection"})
# Spark's MongoDB connector writing with upserts on a key: mode("append") then updates in place
_UPSERTING_WRITER = re.compile(
    r"operationType['\"],\s*['\"](update|replace)|upsertDocument['\"],\s*['\"]?true", re.I
)
_BIGQUERY_LOADS = frozenset(
    {
        "load_table_from_dataframe",
        "load_table_from_uri",
        "load_table_from_file",
        "load_table_from_json",
    }
)
_DLT_PIPELINE = re.compile(r"\bdlt\.pipeline\(")
_DLT_SAFE = re.compile(r"write_disposition['\"]?\s*[=:]\s*['\"]?(replace|merge)|\bincremental\b")
_TRANSFER_APPEND = frozenset(
    {
        "S3ToRedshiftOperator",
        "S3ToSnowflakeOperator",
        "CopyFromExternalStageToSnowflakeOperator",
        "S3ToSqlOperator",
        "GenericTransfer",
        "GCSToBigQueryOperator",
        "GoogleCloudStorageToBigQueryOperator",  # its Airflow 1 (contrib) name
        "BigQueryToBigQueryOperator",
        "BigQueryInsertJobOperator",
        "BigQueryExecuteQueryOperator",
        "BigQueryOperator",
    }
)


@dataclass
class Write:
    node: ast.AST
    kind: str  # append, replace, guard
    table: str | None
    detail: str
    loads: bool = True  # False for TRUNCATE/DROP: they only wipe, the rows come from elsewhere


@dataclass
class SqlText:
    node: ast.AST
    text: str


class _SqlFiles:
    """.sql files named by a task, read once per directory."""

    def __init__(self) -> None:
        self.cache: dict[Path, str | None] = {}

    def read(self, name: str, bases: list[Path]) -> str | None:
        for base in bases:
            path = (base / name).resolve()
            if path not in self.cache:
                try:
                    self.cache[path] = path.read_text(errors="replace")[:200_000]
                except OSError:
                    self.cache[path] = None
            if self.cache[path] is not None:
                return self.cache[path]
        return None


SQL_FILES = _SqlFiles()


def sql_texts(ctx: FileContext, unit: Unit) -> list[SqlText]:
    src = ctx.src
    texts: list[SqlText] = []
    seen: set[int] = set()
    # helpers are part of many tasks' code: each node is judged once per file
    memo: dict[int, tuple[int, str] | None] = src.rule_memo.setdefault("sql_texts", {})
    for node in unit.walk():
        key = id(node)
        if key in memo:
            found = memo[key]
        else:
            found = _sql_text(ctx, node)
            if key in src.children:
                memo[key] = found
        if found is None or found[0] in seen:
            continue
        seen.add(found[0])
        texts.append(SqlText(node, found[1]))
    return texts


def _sql_text(ctx: FileContext, node: ast.AST) -> tuple[int, str] | None:
    """The SQL (or .sql file content) ``node`` stands for, with the id of the expression it is
    part of; ``None`` when it is no SQL, or only shown (a log line, a docstring, a pattern)."""
    src = ctx.src
    if not isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp | ast.Name | ast.Attribute):
        return None
    if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Add | ast.Mod):
        return None
    if isinstance(node, ast.Name | ast.Attribute) and not isinstance(
        getattr(node, "ctx", None), ast.Load
    ):
        return None
    parent = src.parents.get(node)
    if isinstance(parent, ast.JoinedStr | ast.FormattedValue):
        return None
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add | ast.Mod):
        return None
    if (
        isinstance(node, ast.Attribute)
        and isinstance(parent, ast.Attribute)
        and parent.attr not in STR_METHODS  # `Queries.LOAD.format(...)` is the query's text
    ):
        return None
    if is_docstring(src, node) or in_output(src, node) or is_pattern(src, node):
        return None
    root = src.string_root(node)
    text = src.string(root)
    if not text:
        text = project.imported_string(ctx, node)
    if not text:
        return None
    stripped = text.strip()
    if stripped.endswith(".sql") and " " not in stripped and "\n" not in stripped:
        content = SQL_FILES.read(stripped, _sql_bases(ctx))
        return (id(root), content) if content else None
    return id(root), text


def _sql_bases(ctx: FileContext) -> list[Path]:
    here = ctx.src.path.parent
    bases = [here, here / "sql", here / "include" / "sql"]
    for dag in ctx.model.dags:
        paths = dag.kwargs.get("template_searchpath")
        values = paths.elts if isinstance(paths, ast.List | ast.Tuple) else [paths]
        for value in values:
            text = ctx.src.string(value) if value is not None else None
            if text and "{" not in text:
                bases.extend(_search_folders(ctx, text))
    if ctx.project_root is not None:
        root = ctx.project_root
        bases.extend([root, root / "sql", root / "include" / "sql", root / "dags" / "sql"])
    return bases


def _search_folders(ctx: FileContext, written: str) -> list[Path]:
    """Where a ``template_searchpath`` entry lands: an absolute path as it is; one under the
    image's Airflow home, or a relative one (against the scheduler's working directory, its
    Airflow home), in the folder of the project that is that home: the project root or a
    folder between it and the DAG."""
    folders = folders_up_to_root(ctx.src.path.parent, ctx.project_root)
    relative = in_airflow_home(written)
    if relative is not None:
        return [Path(written), *(folder / relative for folder in folders)]
    if Path(written).is_absolute():
        return [Path(written)]
    return [folder / written for folder in folders]


def api_writes(src: SourceFile, unit: Unit) -> list[Write]:
    writes: list[Write] = []
    unit_text = unit.text
    overwrite_partitions = "partitionOverwriteMode" in unit_text or "replaceWhere" in unit_text
    for node in unit.walk():
        if not isinstance(node, ast.Call):
            continue
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        name = src.call_name(node)
        last = name.rsplit(".", 1)[-1]
        if method in {"to_sql", "to_gbq"} or name in {"pandas_gbq.to_gbq"}:
            names = ("name", "destination_table")
            table = _table_arg(src, node, 0 if method else 1, names)
            mode = src.constant(keyword_value(node, "if_exists"))
            custom = keyword_value(node, "method")
            if isinstance(custom, ast.Name | ast.Attribute | ast.Lambda):
                writes.append(Write(node, "guard", table, "to_sql(method=...)"))
            elif mode == "append":
                writes.append(Write(node, "append", table, f'{method or last}(if_exists="append")'))
            elif mode == "replace":
                # replacing a table of the run's own period (trips_{{ ds }}) is a partition swap
                raw = _raw_table_arg(src, unit, node, 0 if method else 1, names)
                kind = "guard" if sql.per_period(raw) else "replace"
                writes.append(Write(node, kind, table, f'{method or last}(if_exists="replace")'))
        elif keyword_value(node, "if_exists") is not None:
            # project helpers that wrap to_sql keep its if_exists contract
            mode = src.constant(keyword_value(node, "if_exists"))
            table = _table_arg(src, node, 99, ("table_name", "table", "name"))
            if mode in {"append", "replace"}:
                kind = "append" if mode == "append" else "replace"
                writes.append(Write(node, kind, table, f'{last}(if_exists="{mode}")'))
        elif method in _APPEND_METHODS:
            table = _table_arg(src, node, 0, ("table", "table_name"))
            if src.constant(keyword_value(node, "replace")) is True:
                writes.append(Write(node, "guard", table, f"{method}(replace=True)"))
            else:
                writes.append(Write(node, "append", table, f"{method}()"))
        elif method in _DOCUMENT_INSERTS:
            writes.append(Write(node, "append", None, f"{method}()"))
        elif method in _DOCUMENT_GUARDS or (
            method.startswith("update_") and src.constant(keyword_value(node, "upsert")) is True
        ):
            writes.append(Write(node, "guard", None, f"{method}()"))
        elif method in {"bulk_load", "copy_records_to_table", "copy_to_table"}:
            writes.append(
                Write(node, "append", _table_arg(src, node, 0, ("table",)), f"{method}()")
            )
        elif method == "copy_from":
            writes.append(
                Write(node, "append", _table_arg(src, node, 1, ("table",)), "copy_from()")
            )
        elif last == "write_pandas":
            table = _table_arg(src, node, 2, ("table_name",))
            overwrite = src.constant(keyword_value(node, "overwrite")) is True
            writes.append(
                Write(node, "replace" if overwrite else "append", table, "write_pandas()")
            )
        elif method in _BIGQUERY_LOADS:
            table = _table_arg(src, node, 1, ("destination",))
            kind = "replace" if "WRITE_TRUNCATE" in unit_text else "append"
            if table and "$" in table:
                kind = "guard"
            writes.append(Write(node, kind, table, f"{method}()"))
        elif (method == "mode" and node.args) or (method == "jdbc" and keyword_value(node, "mode")):
            # Spark's writer: .mode("append"), or .jdbc(url, table, mode="append")
            mode = _mode(src, node.args[0] if method == "mode" else keyword_value(node, "mode"))
            if method == "jdbc":
                table = _table_arg(src, node, 1, ("table",))
                if mode in {"append", "overwrite"}:
                    kind = "append" if mode == "append" else "replace"
                    writes.append(Write(node, kind, table, f'jdbc(mode="{mode}")'))
            elif mode == "append" and _UPSERTING_WRITER.search(ast.unparse(node.func)):
                writes.append(Write(node, "guard", None, 'mode("append") with upserts'))
            elif mode == "append":
                writes.append(Write(node, "append", None, 'mode("append")'))
            elif mode == "overwrite":
                kind = "guard" if overwrite_partitions else "replace"
                writes.append(Write(node, kind, None, 'mode("overwrite")'))
        elif last == "write_deltalake":
            mode = src.constant(keyword_value(node, "mode"))
            if mode == "append":
                writes.append(Write(node, "append", None, 'write_deltalake(mode="append")'))
            elif mode == "overwrite":
                scoped = keyword_value(node, "predicate") or keyword_value(
                    node, "partition_filters"
                )
                kind = "guard" if scoped is not None else "replace"
                writes.append(Write(node, kind, None, 'write_deltalake(mode="overwrite")'))
        elif method == "run" and _DLT_PIPELINE.search(src.text) and len(node.args) >= 1:
            # a dlt pipeline appends unless told to replace or merge (here or on its resources)
            table = _table_arg(src, node, 99, ("table_name",))
            mode = src.constant(keyword_value(node, "write_disposition"))
            if mode is None and _DLT_SAFE.search(src.text):
                mode = "merge"
            kind = "append" if mode in {None, "append"} else "guard"
            writes.append(Write(node, kind, table, 'dlt pipeline.run(write_disposition="append")'))
        elif last in _TRANSFER_APPEND and node is (unit.task.node if unit.task else None):
            writes.extend(_transfer_writes(src, node, last))
    return writes


def _mode(src: SourceFile, node: ast.AST | None) -> object:
    """A write mode: a literal, or the literal default of the enclosing function's parameter
    (``def write_to_postgres(df, table, mode="append"): ... .mode(mode)``)."""
    value = src.constant(node)
    if value is not None or not isinstance(node, ast.Name):
        return value
    function = next((a for a in src.ancestors(node) if isinstance(a, FUNCTION_TYPES)), None)
    if function is None:
        return None
    arguments = function.args  # type: ignore[attr-defined]
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = dict(zip([a.arg for a in positional[::-1]], arguments.defaults[::-1], strict=False))
    defaults |= {
        a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d
    }
    default = defaults.get(node.id)
    return src.constant(default) if default is not None else None


def _transfer_writes(src: SourceFile, call: ast.Call, operator: str) -> list[Write]:
    table = None
    partition = False  # BigQuery "table$YYYYMMDD" writes one partition only
    for key in (
        "table",
        "destination_table",
        "destination_project_dataset_table",
        "snowflake_table",
    ):
        value = keyword_value(call, key)
        if value is not None:
            raw = src.string(value) or ""
            table, partition = sql.clean_table(raw), "$" in raw
            break
    if operator == "S3ToRedshiftOperator":
        method = src.constant(keyword_value(call, "method")) or "APPEND"
        kinds = {"APPEND": "append", "UPSERT": "guard", "REPLACE": "replace"}
        return [Write(call, kinds.get(str(method).upper(), "guard"), table, f"{operator}")]
    if operator in {"S3ToSnowflakeOperator", "CopyFromExternalStageToSnowflakeOperator"}:
        # a COPY INTO: Snowflake skips the files the table has loaded already, unless FORCE
        options = src.string(keyword_value(call, "copy_options")) or ""
        forced = re.search(r"force\W*\s*=\s*\W*true", options, re.I)
        return [Write(call, "append" if forced else "guard", table, operator)]
    if operator in {"S3ToSqlOperator", "GenericTransfer"}:
        return [Write(call, "append", table, operator)]
    disposition = _find_disposition(src, call)
    if disposition == "WRITE_APPEND":
        return [Write(call, "append", table, f"{operator}(WRITE_APPEND)")]
    if disposition == "WRITE_TRUNCATE":
        kind = "guard" if partition else "replace"
        return [Write(call, kind, table, f"{operator}(WRITE_TRUNCATE)")]
    return []


def _find_disposition(src: SourceFile, call: ast.Call) -> str | None:
    for node in ast.walk(call):
        if isinstance(node, ast.keyword) and node.arg == "write_disposition":
            value = src.constant(node.value)
            return str(value).upper() if value else None
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in {
                    "writeDisposition",
                    "write_disposition",
                }:
                    found = src.constant(value)
                    return str(found).upper() if found else None
    return None


def _raw_table_arg(
    src: SourceFile, unit: Unit, call: ast.Call, index: int, names: tuple[str, ...]
) -> str | None:
    """The table name as written, a parameter replaced by what the task passes for it."""
    value = next((v for n in names if (v := keyword_value(call, n)) is not None), None)
    if value is None and len(call.args) > index:
        value = call.args[index]
    if value is None:
        return None
    if isinstance(value, ast.Name) and value.id in unit.arguments:
        bindings = src.lookup(value.id, src.scope_of(value))
        if all(b.kind == "default" for b in bindings):
            return unit.arguments[value.id]
    return src.string(value)


def _table_arg(src: SourceFile, call: ast.Call, index: int, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = keyword_value(call, name)
        if value is not None:
            return sql.clean_table(src.string(value))
    if len(call.args) > index:
        return sql.clean_table(src.string(call.args[index]))
    return None
