"""TP001's vocabulary: what reads a clock, what uses a value as a data boundary, and the
taint a clock reading leaves on the values it flows into."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from airflow_trap_check.source import FUNCTION_TYPES, SourceFile

CLOCK_CALLS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "pendulum.now",
        "pendulum.today",
        "pendulum.yesterday",
        "pendulum.tomorrow",
        "pendulum.DateTime.now",
        "pendulum.DateTime.utcnow",
        "pendulum.DateTime.today",
        "pendulum.Date.today",
        "pendulum.local_now",
        "time.time",
        "time.time_ns",
        "airflow.utils.timezone.utcnow",
        "airflow.sdk.timezone.utcnow",
        "airflow.timezone.utcnow",
        "pandas.Timestamp.now",
        "pandas.Timestamp.today",
        "pandas.Timestamp.utcnow",
        "arrow.now",
        "arrow.utcnow",
    }
)
# Clock readings only when called without an explicit time argument.
CLOCK_WITHOUT_ARGS = frozenset({"time.localtime", "time.gmtime", "time.ctime"})
CLOCK_WORDS = frozenset({"now", "today"})

# What names a triggered DAG run (REST payload keys, trigger arguments), not the data it reads.
RUN_IDENTITY = frozenset({"logical_date", "execution_date", "run_id", "dag_run_id"})
EXCLUDED_TASK_ARGS = frozenset(
    {
        "task_id",
        "dag",
        "dag_id",
        "start_date",
        "end_date",
        "execution_timeout",
        "retry_delay",
        "max_retry_delay",
        "sla",
        "doc",
        "doc_md",
        "doc_rst",
        "doc_json",
        "doc_yaml",
        "owner",
        "email",
        "retries",
        "pool",
        "queue",
        "priority_weight",
        "trigger_rule",
        "depends_on_past",
        "wait_for_downstream",
        "default_args",
        "timeout",
        "poke_interval",
        "mode",
        "execution_date",
        "logical_date",
        "trigger_run_id",
        "run_id",
        "tags",
        "description",
        "task_display_name",
        "executor_config",
        "outlets",
        "inlets",
    }
)
BOUNDARY_KWARG = re.compile(
    r"^(url|uri|urls|endpoint|path|paths|file|files|filename|file_name|filepath|file_path|key|"
    r"keys|prefix|object_\w+|blob_name|bucket_key|s3_key|source_objects?|destination_object|"
    r"dst|dest|destination\w*|sql|query|where|filter|filters|params|parameters|partition\w*|"
    r"date|dates|ds|day|month|year|period|run_date|"
    r"\w+_(date|day|month|year|path|file|key|url|uri|prefix|partition|dt)|date_\w+)$"
)
# Task arguments that carry what the task works on, beyond those named like a boundary.
TASK_DATA_ARGS = frozenset(
    {
        "bash_command",
        "command",
        "cmds",
        "arguments",
        "op_kwargs",
        "op_args",
        "templates_dict",
        "env",
        "environment",
        "configuration",
        "data",
        "json",
        "body",
        "application_args",
        "source",
        "table",
        "destination_table",
    }
)
# Keys of a payload or query dict that make the whole dict a data selection.
BOUNDARY_KEY = re.compile(
    r"(date|day|month|year|period|start|end|from|since|until|after|before|partition|^ds$|"
    r"timeframe|time_from|time_to|window)",
    re.IGNORECASE,
)
DATE_FACTORIES = (
    "datetime.",
    "pendulum.",
    "time.",
    "dateutil.",
    "pandas.date_range",
    "pandas.period_range",
    "pandas.Timestamp",
    "pandas.to_datetime",
    "pandas.Timedelta",
    "pandas.DateOffset",
    "numpy.",
    "arrow.",
)
SINK_FUNCTIONS = (
    "requests.",
    "httpx.",
    "urllib.request.",
    "urllib3.",
    "aiohttp.",
    "wget.",
    "open",
    "io.open",
    "os.makedirs",
    "os.mkdir",
    "os.listdir",
    "os.remove",
    "os.rename",
    "os.path.exists",
    "os.path.isfile",
    "shutil.",
    "glob.glob",
    "pathlib.Path",
    "os.path.join",
    "posixpath.join",
    "pandas.read_",
    "pyarrow.parquet.",
    "pyarrow.csv.",
    "pyarrow.dataset.",
    "polars.read_",
    "polars.scan_",
    "duckdb.",
)
SINK_METHODS = frozenset(
    {
        "to_csv",
        "to_parquet",
        "to_json",
        "to_excel",
        "to_feather",
        "to_pickle",
        "write_csv",
        "write_parquet",
        "read_csv",
        "read_parquet",
        "read_json",
        "read_sql",
        "read_sql_query",
        "get_records",
        "get_first",
        "get_pandas_df",
        "get_df",
        "blob",
        "upload_file",
        "upload_fileobj",
        "download_file",
        "put_object",
        "get_object",
        "load_file",
        "load_string",
        "load_bytes",
        "upload_from_filename",
        "upload_from_string",
        "download_to_filename",
        "list_blobs",
        "list_objects",
        "list_objects_v2",
        "list_keys",
        "list_prefixes",
        "check_for_key",
        "check_for_prefix",
        "read_key",
        "get_key",
        "copy_object",
        "upload",
        "download",
        "query",
        "filter",
        "filter_by",
        "where",
        "between",
        "isin",
        "loc",
        "xcom_push",
        "urlopen",
        "urlretrieve",
        "saveAsTable",
        "save",
        "partitionBy",
    }
)
# Request metadata: a Date header or a timeout is not what the request selects.
NOT_DATA = frozenset({"headers", "timeout", "auth", "cookies", "verify", "cert", "proxies"})
EXECUTE_METHODS = frozenset(
    {"execute", "executemany", "run", "execute_values", "mogrify", "copy_expert", "sql"}
)
FETCH_VERBS = ("download", "fetch", "extract", "ingest", "upload", "export", "scrape", "crawl")

SQL = re.compile(
    r"\b(select\b[\s\S]*?\bfrom|insert\s+(into|overwrite)|delete\s+from|update\s+\S+\s+set|"
    r"merge\s+into|copy\s+\S+|truncate\s+table|create\s+(or\s+replace\s+)?table|drop\s+table|"
    r"where\s+\S+\s*(=|>|<|between|in\b|like))",
    re.IGNORECASE,
)
SQL_KEYWORD = re.compile(
    r"\b(select|from|join|where|and|or|between|on|values|set|into|update|table|partition|having|"
    r"interval|limit|using|like|in|when|then|else)\b",
    re.IGNORECASE,
)
FILE_EXT = re.compile(
    r"\.(csv|tsv|parquet|pq|json|jsonl|ndjson|txt|gz|zip|bz2|xz|xlsx|xls|avro|orc|feather|pkl|"
    r"pickle|xml|html|sql|log|db|sqlite|h5|tar|tgz)\b|\w\.[a-z]{2,7}$",
    re.IGNORECASE,
)
CLI_DATE = re.compile(
    r"(--?\w*(date|day|month|year|period|ds|start|end|since|until)\w*[ =]['\"]?\{)|(\b\w+=\{)",
    re.IGNORECASE,
)
INSERT_VALUES = re.compile(r"^\s*insert\b(?![\s\S]*\b(select|where)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Param:
    """Stands for a function parameter while summarising what the function does with it."""

    func: ast.AST
    name: str


Taint = frozenset[ast.Call | Param]
EMPTY: Taint = frozenset()


# A query that only asks the database for its clock (``SELECT now() - INTERVAL 1 HOUR``) is a
# clock reading too, taken on another machine.
DB_CLOCK = re.compile(
    r"^\s*select\s+(now|current_timestamp|current_date|localtimestamp|utc_timestamp|"
    r"utc_date|sysdate|systimestamp|getdate|getutcdate|sysdatetime|today)\b(?![\s\S]*\bfrom\b)",
    re.IGNORECASE,
)
QUERY_METHODS = frozenset(
    {
        "query",
        "execute",
        "get_first",
        "get_records",
        "get_pandas_df",
        "read_sql",
        "read_sql_query",
        "sql",
        "scalar",
        "query_df",
        "command",
        "fetch",
        "fetchval",
        "fetchrow",
    }
)
XCOM_TASK = re.compile(
    r"xcom_pull\(\s*(?:task_ids\s*=\s*)?['\"](?P<task>[\w.-]+)['\"]", re.IGNORECASE
)


def is_clock(src: SourceFile, call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in QUERY_METHODS:
        statement = call.args[0] if call.args else None
        if statement is None:
            statement = next((k.value for k in call.keywords if k.arg in {"sql", "query"}), None)
        if isinstance(statement, ast.Constant | ast.Name | ast.JoinedStr):
            text = src.string(statement)
            if text and DB_CLOCK.search(text):
                return True
    name = src.qualname(func)
    if name is None:
        return False
    if name in CLOCK_CALLS:
        return True
    if name in CLOCK_WITHOUT_ARGS:
        return not call.args
    if name == "time.strftime":
        return len(call.args) == 1
    if name in {"pandas.Timestamp", "pandas.to_datetime", "numpy.datetime64"}:
        first = call.args[0] if call.args else None
        return isinstance(first, ast.Constant) and str(first.value).lower() in CLOCK_WORDS
    return False


def real(taint: Taint) -> bool:
    return any(not isinstance(s, Param) for s in taint)


def argument(call: ast.Call, func: ast.AST, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if not isinstance(func, FUNCTION_TYPES):
        return None
    positional = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
    if positional and positional[0] in {"self", "cls"} and isinstance(call.func, ast.Attribute):
        positional = positional[1:]
    if name in positional:
        index = positional.index(name)
        if index < len(call.args) and not isinstance(call.args[index], ast.Starred):
            return call.args[index]
    return None


# A date or time field of the business event a row records (``order_date``, ``trade_date``,
# ``appointment_start_utc``, ``visit_at``): a clock
# value stamped there makes up the period the rows belong to. An audit column (``loaded_at``,
# ``ingested_at``, ``created_at``) only says when the row was written and stays exempt.
BUSINESS_DATE = re.compile(
    r"^(order|trade|trading|transaction|txn|sale|sales|invoice|purchase|payment|booking|"
    r"shipment|shipping|delivery|event|visit|trip|ride|flight|claim|appointment|admission|"
    r"match|game|session|shift|stay|rental|reservation|consultation|surgery|treatment)_?"
    r"(date|day|dt|time|timestamp|ts|at|start|end|start_(time|at|ts)|end_(time|at|ts)|"
    r"started_at|ended_at|starts_at|ends_at)(_(utc|local|tz))?$",
    re.IGNORECASE,
)
# Where a clock-named path ends up when it only names a local file: written, made, moved or
# joined. Reading it back or storing it as an object is more (see ``sink_kind``).
LOCAL_PATH_FUNCTIONS = (
    "os.makedirs",
    "os.mkdir",
    "os.rename",
    "os.path.",
    "posixpath.join",
    "shutil.copy",
    "shutil.move",
    "pathlib.Path",
)
# the writers among SINK_METHODS, and pyarrow's: a file the task itself writes
LOCAL_WRITE_METHODS = frozenset(
    {m for m in SINK_METHODS if m.startswith(("to_", "write_"))} | {"write_table"}
)
# A path naming an archive or backup copy (``daily_archive/users_<today>.csv``): kept by the day.
ARCHIVE_PATH = re.compile(r"archi|backup|\bbak\b|_bak\b", re.IGNORECASE)
REMOVE_CALLS = ("os.remove", "os.unlink", "os.rmdir", "shutil.rmtree")
# Stored state a run reads its high watermark from: ``SELECT max(loaded_at)`` fetched back.
WATERMARK_READS = frozenset(
    {
        "fetchone",
        "fetchval",
        "fetchrow",
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
        "one_or_none",
        "get_first",
        "get_records",
        "xcom_pull",
    }
)
