"""TP001: the wall clock decides a data boundary.

A value read from the clock is followed through assignments, f-strings, ``strftime``/``format``,
arithmetic and the return values and parameters of functions in the same file. It is reported
when it reaches something that selects or names data: a URL, SQL, a file or object path, a
filter, a partition, a task argument. Reaching only a log line, a print or an exception message
is fine, and so is the difference of two clock readings (a duration).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from airflow_trap_check.base import FileContext, is_output_call
from airflow_trap_check.source import FUNCTION_TYPES, Scope, SourceFile, dotted, iter_scope

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
_CLOCK_WITHOUT_ARGS = frozenset({"time.localtime", "time.gmtime", "time.ctime"})
_CLOCK_WORDS = frozenset({"now", "today"})

# What names a triggered DAG run (REST payload keys, trigger arguments), not the data it reads.
_RUN_IDENTITY = frozenset({"logical_date", "execution_date", "run_id", "dag_run_id"})
_EXCLUDED_TASK_ARGS = frozenset(
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
_BOUNDARY_KWARG = re.compile(
    r"^(url|uri|urls|endpoint|path|paths|file|files|filename|file_name|filepath|file_path|key|"
    r"keys|prefix|object_\w+|blob_name|bucket_key|s3_key|source_objects?|destination_object|"
    r"dst|dest|destination\w*|sql|query|where|filter|filters|params|parameters|partition\w*|"
    r"date|dates|ds|day|month|year|period|run_date|"
    r"\w+_(date|day|month|year|path|file|key|url|uri|prefix|partition|dt)|date_\w+)$"
)
# Task arguments that carry what the task works on, beyond those named like a boundary.
_TASK_DATA_ARGS = frozenset(
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
_BOUNDARY_KEY = re.compile(
    r"(date|day|month|year|period|start|end|from|since|until|after|before|partition|^ds$|"
    r"timeframe|time_from|time_to|window)",
    re.IGNORECASE,
)
_DATE_FACTORIES = (
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
_SINK_FUNCTIONS = (
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
_SINK_METHODS = frozenset(
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
_NOT_DATA = frozenset({"headers", "timeout", "auth", "cookies", "verify", "cert", "proxies"})
_EXECUTE_METHODS = frozenset(
    {"execute", "executemany", "run", "execute_values", "mogrify", "copy_expert", "sql"}
)
_FETCH_VERBS = ("download", "fetch", "extract", "ingest", "upload", "export", "scrape", "crawl")

_SQL = re.compile(
    r"\b(select\b[\s\S]*?\bfrom|insert\s+(into|overwrite)|delete\s+from|update\s+\S+\s+set|"
    r"merge\s+into|copy\s+\S+|truncate\s+table|create\s+(or\s+replace\s+)?table|drop\s+table|"
    r"where\s+\S+\s*(=|>|<|between|in\b|like))",
    re.IGNORECASE,
)
_SQL_KEYWORD = re.compile(
    r"\b(select|from|join|where|and|or|between|on|values|set|into|update|table|partition|having|"
    r"interval|limit|using|like|in|when|then|else)\b",
    re.IGNORECASE,
)
_FILE_EXT = re.compile(
    r"\.(csv|tsv|parquet|pq|json|jsonl|ndjson|txt|gz|zip|bz2|xz|xlsx|xls|avro|orc|feather|pkl|"
    r"pickle|xml|html|sql|log|db|sqlite|h5|tar|tgz)\b|\w\.[a-z]{2,7}$",
    re.IGNORECASE,
)
_CLI_DATE = re.compile(
    r"(--?\w*(date|day|month|year|period|ds|start|end|since|until)\w*[ =]['\"]?\{)|(\b\w+=\{)",
    re.IGNORECASE,
)
_INSERT_VALUES = re.compile(r"^\s*insert\b(?![\s\S]*\b(select|where)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Param:
    """Stands for a function parameter while summarising what the function does with it."""

    func: ast.AST
    name: str


Taint = frozenset[ast.Call | Param]
_EMPTY: Taint = frozenset()


# A query that only asks the database for its clock (``SELECT now() - INTERVAL 1 HOUR``) is a
# clock reading too, taken on another machine.
_DB_CLOCK = re.compile(
    r"^\s*select\s+(now|current_timestamp|current_date|localtimestamp|utc_timestamp|"
    r"utc_date|sysdate|systimestamp|getdate|getutcdate|sysdatetime|today)\b(?![\s\S]*\bfrom\b)",
    re.IGNORECASE,
)
_QUERY_METHODS = frozenset(
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
_XCOM_TASK = re.compile(
    r"xcom_pull\(\s*(?:task_ids\s*=\s*)?['\"](?P<task>[\w.-]+)['\"]", re.IGNORECASE
)


def is_clock(src: SourceFile, call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _QUERY_METHODS:
        statement = call.args[0] if call.args else None
        if statement is None:
            statement = next((k.value for k in call.keywords if k.arg in {"sql", "query"}), None)
        if isinstance(statement, ast.Constant | ast.Name | ast.JoinedStr):
            text = src.string(statement)
            if text and _DB_CLOCK.search(text):
                return True
    name = src.qualname(func)
    if name is None:
        return False
    if name in CLOCK_CALLS:
        return True
    if name in _CLOCK_WITHOUT_ARGS:
        return not call.args
    if name == "time.strftime":
        return len(call.args) == 1
    if name in {"pandas.Timestamp", "pandas.to_datetime", "numpy.datetime64"}:
        first = call.args[0] if call.args else None
        return isinstance(first, ast.Constant) and str(first.value).lower() in _CLOCK_WORDS
    return False


def check(ctx: FileContext) -> None:
    src = ctx.src
    if not any(isinstance(n, ast.Call) and is_clock(src, n) for n in src.nodes):
        return
    _ClockFlow(ctx).run()


class _ClockFlow:
    def __init__(self, ctx: FileContext):
        self.ctx = ctx
        self.src = ctx.src
        self.scopes: list[Scope] = [self.src.tree]
        self.scopes.extend(n for n in self.src.nodes if isinstance(n, FUNCTION_TYPES))
        self.env: dict[int, dict[str, Taint]] = {}
        self.attrs: dict[str, Taint] = {}
        self.returns: dict[int, Taint] = {}
        self.param_sinks: dict[int, dict[str, str]] = {}
        self.found: dict[ast.Call, tuple[int, str]] = {}
        self.operator_calls = {id(t.node) for t in ctx.model.tasks if not t.is_taskflow}
        self.dag_calls = {id(d.node) for d in ctx.model.dags}
        self.dag_calls |= {id(d.anchor) for d in ctx.model.dags if d.anchor is not None}

    def run(self) -> None:
        for _ in range(4):
            before = (
                {k: dict(v) for k, v in self.param_sinks.items()},
                dict(self.returns),
            )
            for scope in self.scopes:
                self._solve_scope(scope)
            for scope in self.scopes:
                self._find_sinks(scope)
            if before == (self.param_sinks, self.returns):
                break
        for source, (_line, sink) in sorted(self.found.items(), key=lambda kv: kv[0].lineno):
            text = self.src.segment(source)
            if len(text) > 40:
                text = text[:37] + "..."
            self.ctx.report(
                "TP001",
                source,
                f"`{text}` reads the wall clock and reaches {sink}: a retry or backfill "
                "would process the current period instead of the run's own",
            )

    # -- taint ---------------------------------------------------------------------------

    def _solve_scope(self, scope: Scope) -> None:
        table = self.src.bindings(scope)
        env = self.env.setdefault(id(scope), {})
        params: set[str] = set()
        if isinstance(scope, FUNCTION_TYPES):
            args = scope.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            every.extend(a for a in (args.vararg, args.kwarg) if a is not None)
            params = {a.arg for a in every}
            for name in params:
                env.setdefault(name, frozenset({Param(scope, name)}))
        containers = self._container_writes(scope)
        for _ in range(8):
            changed = False
            filled: dict[str, set[ast.Call | Param]] = {}
            for name, value in containers:
                filled.setdefault(name, set()).update(self.taint(value, scope))
            for name in filled.keys() - table.keys():
                merged = env.get(name, _EMPTY) | frozenset(filled[name])
                if merged != env.get(name, _EMPTY):
                    env[name] = merged
                    changed = True
            for name, bindings in table.items():
                taint: set[ast.Call | Param] = set(filled.get(name, ()))
                if name in params:
                    taint.add(Param(scope, name))
                for binding in bindings:
                    taint |= self.taint(binding.value, scope)
                frozen = frozenset(taint)
                if "." in name:
                    merged = self.attrs.get(name, _EMPTY) | frozen
                    if merged != self.attrs.get(name, _EMPTY):
                        self.attrs[name] = merged
                        changed = True
                if env.get(name) != frozen:
                    env[name] = frozen
                    changed = True
            if not changed:
                break
        if isinstance(scope, FUNCTION_TYPES):
            taint = set()
            for node in self.src.walk(scope):
                if (
                    isinstance(node, ast.Return)
                    and node.value is not None
                    and self.src.scope_of(node) is scope
                ):
                    taint |= self.taint(node.value, scope)
            self.returns[id(scope)] = frozenset(taint)

    def _container_writes(self, scope: Scope) -> list[tuple[str, ast.expr]]:
        """``payload["params"]["startDate"] = start``: the dict now selects data by date.

        Only keys that name a boundary count, so ``df["loaded_at"] = now`` leaves ``df`` clean.
        """
        writes = []
        for node in iter_scope(scope, self.src.kids):
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
                    and _BOUNDARY_KEY.search(key.value)
                ):
                    writes.append((base.id, node.value))
        return writes

    def lookup(self, name: str, scope: Scope) -> Taint:
        current: Scope | None = scope
        while current is not None:
            if name in self.src.bindings(current) or name in self.env.get(id(current), {}):
                return self.env.get(id(current), {}).get(name, _EMPTY)
            current = self.src.enclosing_scope(current)
        return _EMPTY

    def taint(self, expr: ast.AST, scope: Scope) -> Taint:
        out: set[ast.Call | Param] = set()
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    out |= self.lookup(node.id, scope)
            elif isinstance(node, ast.Attribute):
                key = dotted(node)
                if key is not None and key in self.attrs:
                    out |= self.attrs[key]
                stack.append(node.value)
            elif isinstance(node, ast.Call):
                if is_clock(self.src, node):
                    out.add(node)
                    continue
                functions = self.src.local_functions(node)
                if functions:
                    out |= self.call_taint(node, functions, scope)
                    continue
                stack.extend(self.src.kids(node))
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
                left = self.taint(node.left, scope)
                right = self.taint(node.right, scope)
                # clock - clock is a duration, not a point in time
                if not (_real(left) and _real(right)):
                    out |= left | right
            elif isinstance(node, FUNCTION_TYPES):
                continue
            elif isinstance(node, ast.Dict):
                # {"conf": ..., "logical_date": now()}: a triggered run named by the time it is
                # triggered, as Airflow names a manual run; its data comes from its conf
                stack.extend(
                    value
                    for key, value in zip(node.keys, node.values, strict=True)
                    if not (isinstance(key, ast.Constant) and key.value in _RUN_IDENTITY)
                )
                stack.extend(key for key in node.keys if key is not None)
            elif isinstance(node, ast.keyword) and node.arg in _RUN_IDENTITY:
                continue
            else:
                stack.extend(self.src.kids(node))
        return frozenset(out)

    def call_taint(self, call: ast.Call, functions: list, scope: Scope) -> Taint:
        out: set[ast.Call | Param] = set()
        for func in functions:
            for source in self.returns.get(id(func), _EMPTY):
                if isinstance(source, Param):
                    if source.func is func:
                        arg = _argument(call, func, source.name)
                        if arg is not None:
                            out |= self.taint(arg, scope)
                else:
                    out.add(source)
        return frozenset(out)

    # -- sinks ---------------------------------------------------------------------------

    def _hit(self, taint: Taint, node: ast.AST, sink: str, scope: Scope) -> None:
        line = getattr(node, "lineno", 0)
        where = f"{sink} on line {line}"
        for source in taint:
            if isinstance(source, Param):
                if source.func is scope:
                    self.param_sinks.setdefault(id(scope), {}).setdefault(source.name, where)
            elif source not in self.found or self.found[source][0] > line:
                self.found[source] = (line, where)

    def _find_sinks(self, scope: Scope) -> None:
        src = self.src
        for node in _sink_candidates(src, scope):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if "xcom_pull" in node.value:
                    self._xcom_sink(node, scope)
            elif isinstance(node, ast.JoinedStr | ast.BinOp):
                self._string_sink(node, scope)
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "format":
                    self._string_sink(node, scope)
                self._call_sink(node, scope)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                taint = self.taint(node.slice, scope)
                if taint:
                    self._hit(taint, node, "a filter", scope)
            elif isinstance(node, ast.comprehension):
                for condition in node.ifs:
                    taint = self.taint(condition, scope)
                    if taint:
                        self._hit(taint, condition, "a filter", scope)

    def _xcom_sink(self, node: ast.Constant, scope: Scope) -> None:
        """A template pulling another task's return value: what that task returned is used."""
        taint: set[ast.Call | Param] = set()
        for match in _XCOM_TASK.finditer(node.value):
            for func in self._task_functions(match.group("task")):
                taint |= {s for s in self.returns.get(id(func), _EMPTY) if not isinstance(s, Param)}
        if not taint:
            return
        src = self.src
        parent = src.parents.get(node)
        kind = _string_kind(node.value.replace("xcom_pull", ""))
        sink = None
        if isinstance(parent, ast.Dict):
            index = next((i for i, v in enumerate(parent.values) if v is node), None)
            key = parent.keys[index] if index is not None else None
            if (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and _BOUNDARY_KEY.search(key.value)
            ):
                sink = f"the `{key.value}` it is templated into"
        elif (
            isinstance(parent, ast.keyword)
            and parent.arg
            and _is_task_data_arg(parent.arg)
            and id(src.parents.get(parent)) in self.operator_calls
        ):
            sink = f"the task argument `{parent.arg}`"
        if sink is None and kind is not None:
            sink = f"the {kind}"
        if sink is not None:
            self._hit(frozenset(taint), node, f"{sink} (through XCom)", scope)

    def _task_functions(self, task_id: str) -> list[ast.AST]:
        found: list[ast.AST] = []
        for task in self.ctx.model.tasks:
            if task.label != task_id:
                continue
            if task.is_taskflow:
                found.append(task.node)
            else:
                target = task.kwargs.get("python_callable")
                if isinstance(target, ast.Name):
                    found.extend(self.src.functions.get(target.id, []))
        return found

    def _string_sink(self, node: ast.JoinedStr | ast.BinOp | ast.Call, scope: Scope) -> None:
        src = self.src
        if isinstance(node, ast.Call):
            text = src.string(node)
            if text is None:
                return
            taint = _EMPTY
            for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                taint |= self.taint(arg, scope)
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, ast.Add | ast.Mod | ast.Div):
                return
            parent = src.parents.get(node)
            if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add | ast.Div):
                return  # the outermost concatenation is judged as a whole
            text = src.string(node)
            if text is None:
                return
            taint = self.taint(node, scope)
        else:
            text = src.string(node) or ""
            taint = self.taint(node, scope)
        if not taint:
            return
        kind = _string_kind(text)
        parent = src.parents.get(node)
        direct_task_arg = isinstance(parent, ast.keyword) and id(src.parents.get(parent)) in (
            self.operator_calls
        )
        if kind == "SQL":
            if isinstance(node, ast.JoinedStr):
                taint = self._sql_boundary_taint(node, scope)
            elif _INSERT_VALUES.search(text):
                taint = _EMPTY
            if taint:
                self._hit(taint, node, "the SQL", scope)
        elif kind is not None:
            self._hit(taint, node, f"the {kind}", scope)
        elif direct_task_arg and _is_task_data_arg(parent.arg):  # type: ignore[union-attr]
            self._hit(taint, node, f"the task argument `{parent.arg}`", scope)  # type: ignore[union-attr]

    def _sql_boundary_taint(self, node: ast.JoinedStr, scope: Scope) -> Taint:
        """Clock values in WHERE/FROM/partition position; an audit column in VALUES is fine."""
        text = ""
        hits: set[ast.Call | Param] = set()
        for part in node.values:
            if isinstance(part, ast.Constant):
                text += str(part.value)
                continue
            taint = self.taint(part, scope)
            if taint:
                keywords = _SQL_KEYWORD.findall(text)
                last = keywords[-1].lower() if keywords else ""
                if last not in {"values", "set", "select", "when", "then", "else"}:
                    hits |= taint
            text += "{}"
        return frozenset(hits)

    def _call_sink(self, call: ast.Call, scope: Scope) -> None:
        src = self.src
        name = src.call_name(call)
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        label = name.lstrip(".") or method
        if id(call) in self.dag_calls:
            value = next((kw.value for kw in call.keywords if kw.arg == "params"), None)
            entries = src.dict_entries(value) if value is not None else None
            values = list(entries.values()) if entries else [value]
            for item in values:
                # Param(...) only pre-fills the trigger form; whoever triggers picks the date
                if item is None or (
                    isinstance(item, ast.Call) and src.call_name(item).endswith("Param")
                ):
                    continue
                self._hit(self.taint(item, scope), item, "the DAG params", scope)
            return
        if id(call) in self.operator_calls:
            for kw in call.keywords:
                if kw.arg is None or not _is_task_data_arg(kw.arg):
                    continue
                if isinstance(kw.value, ast.JoinedStr | ast.BinOp):
                    continue  # judged as a string, where position inside SQL is known
                taint = self.taint(kw.value, scope)
                if taint:
                    self._hit(taint, kw.value, f"the task argument `{kw.arg}`", scope)
            return
        functions = src.local_functions(call)
        if functions:
            for func in functions:
                sinks = self.param_sinks.get(id(func), {})
                for param, where in sinks.items():
                    arg = _argument(call, func, param)
                    if arg is not None:
                        taint = self.taint(arg, scope)
                        if taint:
                            self._hit(
                                taint,
                                call,
                                f"`{func.name}()`, which puts its `{param}` into {where}, called",
                                scope,
                            )
            return
        if name.startswith(_DATE_FACTORIES) or is_output_call(src, call):
            return
        if method in _EXECUTE_METHODS:
            self._execute_sink(call, scope, label)
            return
        if method in _SINK_METHODS or name.startswith(_SINK_FUNCTIONS) or name in {"filter"}:
            taint = _EMPTY
            for arg in [*call.args, *(kw.value for kw in call.keywords if kw.arg not in _NOT_DATA)]:
                taint |= self.taint(arg, scope)
            if taint:
                self._hit(taint, call, f"`{label}()`", scope)
            return
        if name.endswith("Variable.set") and len(call.args) > 1:
            self._hit(self.taint(call.args[1], scope), call, "`Variable.set()`", scope)
            return
        last = name.rsplit(".", 1)[-1].lower()
        if any(verb in last for verb in _FETCH_VERBS) and not name.startswith(("json.", "yaml.")):
            taint = _EMPTY
            for arg in [*call.args, *(kw.value for kw in call.keywords)]:
                taint |= self.taint(arg, scope)
            if taint:
                self._hit(taint, call, f"`{label}()`", scope)
            return
        for kw in call.keywords:
            # start_date/end_date on an unknown call is nearly always a DAG factory's schedule
            if kw.arg and _BOUNDARY_KWARG.match(kw.arg) and kw.arg not in _EXCLUDED_TASK_ARGS:
                taint = self.taint(kw.value, scope)
                if taint:
                    self._hit(taint, kw.value, f"the `{kw.arg}` argument of `{label}()`", scope)

    def _execute_sink(self, call: ast.Call, scope: Scope, label: str) -> None:
        if not call.args:
            statement = next((kw.value for kw in call.keywords if kw.arg in {"sql", "query"}), None)
        else:
            statement = call.args[0]
        sql = self.src.string(statement) if statement is not None else None
        params = [*call.args[1:]]
        params.extend(
            kw.value for kw in call.keywords if kw.arg in {"parameters", "params", "vars"}
        )
        taint = _EMPTY
        for value in params:
            taint |= self.taint(value, scope)
        if taint and not (sql and _INSERT_VALUES.search(sql)):
            self._hit(taint, call, f"the parameters of `{label}()`", scope)
        if isinstance(statement, ast.Call) and not self.src.local_functions(statement):
            taint = self.taint(statement, scope)
            if taint:
                self._hit(taint, call, f"the SQL run by `{label}()`", scope)


def _is_task_data_arg(name: str) -> bool:
    if name in _EXCLUDED_TASK_ARGS or name in {"target_time", "target_date", "delta"}:
        return False
    return name in _TASK_DATA_ARGS or bool(_BOUNDARY_KWARG.match(name))


def _real(taint: Taint) -> bool:
    return any(not isinstance(s, Param) for s in taint)


def _argument(call: ast.Call, func: ast.AST, name: str) -> ast.expr | None:
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


def _string_kind(text: str) -> str | None:
    if "://" in text or text.startswith("www."):
        return "URL"
    if _SQL.search(text):
        return "SQL"
    if "/" in text or "\\" in text or _FILE_EXT.search(text):
        return "file path"
    if _CLI_DATE.search(text):
        return "command argument"
    if "partition" in text.lower():
        return "partition"
    return None


def _sink_candidates(src: SourceFile, scope: Scope):
    """Nodes of ``scope`` that could use a value, minus logging, exceptions and docstrings."""
    body = scope.body
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Raise | ast.Assert):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Call) and is_output_call(src, node):
            continue
        if isinstance(node, FUNCTION_TYPES):
            stack.extend(reversed([*node.decorator_list, *node.args.defaults]))
            continue
        yield node
        stack.extend(reversed(src.kids(node)))
