"""TP007: work done every time the scheduler parses the file.

Airflow re-imports DAG files every few seconds. Code that runs at import (module level, class
bodies, decorator arguments, default values, and the bodies of @dag / @task_group functions,
which run when the DAG object is built) must not reach the network, a database, the metadata
database (Variable.get, connections) or a hook. Calls to functions of this file are followed,
so a helper that queries a database and is called at module level is reported where it is
called. Code under ``if __name__ == "__main__":`` and inside lambdas or task callables is not
import-time. A file that does not parse is reported here as well (by the runner).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from airflow_trap_check.base import FileContext
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile

_NETWORK_PREFIXES = (
    "requests.",
    "httpx.",
    "urllib.request.",
    "urllib3.",
    "socket.",
    "wget.",
    "ftplib.",
    "smtplib.",
    "http.client.",
    "paramiko.",
    "aiohttp.",
)
_NOT_NETWORK = frozenset(
    {
        "requests.Session",
        "requests.session",
        "requests.adapters.HTTPAdapter",
        "requests.auth.HTTPBasicAuth",
        "urllib.request.Request",
        "urllib3.util.Retry",
        "urllib3.util.retry.Retry",
        "urllib3.Retry",
        "httpx.Timeout",
        "httpx.Limits",
        "socket.gethostname",
        "requests.Request",
    }
)
_DB_MODULES = (
    "psycopg2",
    "psycopg",
    "pymysql",
    "MySQLdb",
    "mysql.connector",
    "sqlite3",
    "snowflake.connector",
    "pyodbc",
    "cx_Oracle",
    "oracledb",
    "pymssql",
    "duckdb",
    "clickhouse_connect",
    "redshift_connector",
    "trino.dbapi",
    "pg8000",
    "vertica_python",
    "teradatasql",
    "databricks.sql",
)
# Made without connecting: building one at import costs nothing, using it does.
_LAZY_CLIENTS = {
    "sqlalchemy.create_engine": "a database engine",
    "redis.Redis": "a Redis client",
    "redis.StrictRedis": "a Redis client",
    "elasticsearch.Elasticsearch": "an Elasticsearch client",
    "minio.Minio": "an S3 client",
    "requests.Session": "an HTTP session",
    "requests.session": "an HTTP session",
    "httpx.Client": "an HTTP session",
}
# What an HTTP session sends; the rest (mount, headers.update) only configures it.
_HTTP_REQUESTS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream"}
)
_CLIENTS = {
    # boto3 resolves credentials when the client is made, from the instance metadata service
    "boto3.client": "an AWS client",
    "boto3.resource": "an AWS client",
    "pymongo.MongoClient": "a MongoDB client",
    "clickhouse_driver.Client": "a ClickHouse client",
    "cassandra.cluster.Cluster": "a Cassandra client",
    "pandas.read_sql": "a database query",
    "pandas.read_sql_query": "a database query",
    "pandas.read_sql_table": "a database query",
    "pandas.read_gbq": "a BigQuery query",
    "airflow.settings.Session": "a metadata database session",
    "airflow.utils.session.create_session": "a metadata database session",
}
_READERS = frozenset(
    {
        "pandas.read_csv",
        "pandas.read_parquet",
        "pandas.read_json",
        "pandas.read_excel",
        "pandas.read_html",
    }
)
# Hooks whose constructor only stores its settings (the connection is looked up by get_conn and
# the methods): made at import and left alone they do no work. Others (the Google hooks, SSHHook,
# MongoHook, ...) look their connection up when made.
_STORING_HOOKS = frozenset(
    {"S3Hook", "AwsBaseHook", "AwsHook", "AwsGenericHook", "HttpHook", "DbApiHook"}
    | {"PostgresHook", "MySqlHook", "SqliteHook", "MsSqlHook", "OracleHook", "RedshiftSQLHook"}
)
_METADATA_METHODS = frozenset(
    {"get_connection", "get_connection_from_secrets", "get_variable_from_secrets", "get_hook"}
)


def check(ctx: FileContext) -> None:
    src = ctx.src
    model = ctx.model
    skipped = {id(t.node) for t in model.tasks if t.is_taskflow} | {
        id(f) for f in model.dag_functions
    }
    hazards = Hazards(src, skipped)
    regions: list[list[ast.stmt]] = [src.tree.body]
    regions.extend(f.body for f in model.dag_functions)  # type: ignore[attr-defined]
    reported: set[int] = set()
    for body in regions:
        for node in parse_time_calls(src, body):
            what = _hazard(src, node, hazards.clients)
            if what is None:
                for callee in local_callees(src, node):
                    if id(callee) in skipped:
                        continue
                    inner = hazards.of_function(callee)
                    if inner:
                        what = f"`{_shown(src, callee)}()`, which makes {inner}"
                        break
                else:
                    continue
                if what is None:
                    continue
            if node.lineno in reported:
                continue
            reported.add(node.lineno)
            report(ctx, node, what)


def report(ctx: FileContext, node: ast.AST, what: str) -> None:
    ctx.report(
        "TP007",
        node,
        f"{what} runs when the scheduler imports this file, on every parse "
        "(every ~30 s), not when a task runs",
    )


def parse_time_calls(src: SourceFile, body: list[ast.stmt]) -> Iterator[ast.Call]:
    for node in _runtime_nodes(src, body):
        if isinstance(node, ast.Call):
            yield node


class Hazards:
    """What the functions of one file do when called: the first hazard each one reaches."""

    def __init__(self, src: SourceFile, skipped: set[int] | None = None):
        self.src = src
        self.skipped = skipped or set()
        self.clients = _module_clients(src)
        self._summaries: dict[int, str | None] = {}

    def of_call(self, call: ast.Call) -> str | None:
        return _hazard(self.src, call, self.clients)

    def of_function(self, func: ast.AST, depth: int = 0) -> str | None:
        summaries = self._summaries
        if id(func) in summaries:
            return summaries[id(func)]
        summaries[id(func)] = None
        result = None
        if _is_task_function(func):
            return None  # calling a @task function adds a task; its body runs in the task
        clients = dict(self.clients)
        for node in _runtime_nodes(self.src, func.body):  # type: ignore[attr-defined]
            # `self.s3 = S3Hook(...)` in an __init__: its methods called later count too
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                made = _constructor(self.src, node.value)
                clients.update((_held(t), made) for t in node.targets if made and _held(t))
            if isinstance(node, ast.Call):
                result = _hazard(self.src, node, clients)
                if result is None and depth < 4:
                    for callee in local_callees(self.src, node):
                        if id(callee) not in self.skipped:
                            inner = self.of_function(callee, depth + 1)
                            if inner:
                                result = f"{inner} via `{_shown(self.src, callee)}()`"
                                break
                if result:
                    break
        summaries[id(func)] = result
        return result


def local_callees(src: SourceFile, call: ast.Call) -> list[ast.AST]:
    """The functions of this file a call runs, a class's ``__init__`` for ``Token()`` and its
    method for ``token.refresh()`` on a name bound once to ``Token()`` included."""
    found: list[ast.AST] = list(src.local_functions(call))
    func, method, made = call.func, "__init__", call
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        bindings = src.lookup(func.value.id, src.scope_of(call))
        if len(bindings) != 1 or bindings[0].kind != "assign":
            return found
        made, method = bindings[0].value, func.attr
    if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
        return found
    for statement in src.tree.body:
        if isinstance(statement, ast.ClassDef) and statement.name == made.func.id:
            found.extend(
                f for f in statement.body if isinstance(f, FUNCTION_TYPES) and f.name == method
            )
    return found


def _shown(src: SourceFile, function: ast.AST) -> str:
    """``load``, or ``Token`` for ``Token.__init__`` and ``Token.refresh`` for a method."""
    name = function.name  # type: ignore[attr-defined]
    owner = src.parents.get(function)
    if isinstance(owner, ast.ClassDef):
        return owner.name if name == "__init__" else f"{owner.name}.{name}"
    return name


def _is_task_function(func: ast.AST) -> bool:
    """``@task``, ``@task(...)``, ``@task.bash``, ``@airflow.decorators.task``: not
    ``@task_group`` or ``@dag``, whose bodies run when they are called."""
    for decorator in getattr(func, "decorator_list", ()):
        if isinstance(decorator, ast.Call):
            decorator = decorator.func
        if isinstance(decorator, ast.Attribute) and decorator.attr != "task":
            decorator = decorator.value  # task.bash, task.virtualenv
        if (isinstance(decorator, ast.Name) and decorator.id == "task") or (
            isinstance(decorator, ast.Attribute) and decorator.attr == "task"
        ):
            return True
    return False


def _runtime_nodes(src: SourceFile, body: list[ast.stmt]):
    """Nodes that execute when ``body`` executes: not nested defs, lambdas or __main__ blocks."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            stack.extend(reversed(node.orelse))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, FUNCTION_TYPES):
            stack.extend(reversed([*node.decorator_list, *node.args.defaults]))
            stack.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        yield node
        stack.extend(reversed(src.kids(node)))


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _module_clients(src: SourceFile) -> dict[str, str]:
    """Module-level names bound to hooks, connections and clients, so their methods count too."""
    clients: dict[str, str] = {}
    for node in _runtime_nodes(src, src.tree.body):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            made = _returned_client(src, node.value)
            if made is None or not _opens_something(src, made):
                continue
            what = _hazard(src, made, clients) or _constructor(src, made)
            if what:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        clients[target.id] = what
        elif isinstance(node, ast.With):
            for item in node.items:
                if isinstance(item.context_expr, ast.Call) and isinstance(
                    item.optional_vars, ast.Name
                ):
                    what = _hazard(src, item.context_expr, clients)
                    if what:
                        clients[item.optional_vars.id] = what
    return clients


def _returned_client(src: SourceFile, call: ast.Call) -> ast.Call | None:
    """The call that makes what ``call`` returns: itself, or the ``return create_engine(...)``
    of a function of this file such as ``get_db_engine()``."""
    for function in src.local_functions(call):
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Return)
                and isinstance(node.value, ast.Call)
                and _opens_something(src, node.value)
            ):
                return node.value
    return call


def _opens_something(src: SourceFile, call: ast.Call) -> bool:
    """A hook, connection, cursor, engine or client: not a value already fetched with one."""
    name = src.call_name(call)
    last = name.rsplit(".", 1)[-1]
    return (
        last.endswith("Hook")
        or last in {"connect", "cursor", "get_conn", "get_sqlalchemy_engine", "Client", "Session"}
        or last in {"client", "resource", "session"}
        or name in _LAZY_CLIENTS
        or (name in _CLIENTS and not name.startswith("pandas."))
    )


def _constructor(src: SourceFile, call: ast.Call) -> str | None:
    if _keyed_aws_client(src, call):
        return "an AWS client"
    if (last := src.call_name(call).rsplit(".", 1)[-1]) in _STORING_HOOKS:
        return f"the hook `{last}`"
    return _LAZY_CLIENTS.get(src.call_name(call))


def _keyed_aws_client(src: SourceFile, call: ast.Call) -> bool:
    """``boto3.client("s3", aws_access_key_id=..., aws_secret_access_key=...)``: given its keys,
    boto3 looks up no credentials when the client is made, so making it sends nothing."""
    if src.call_name(call) not in {"boto3.client", "boto3.resource"}:
        return False
    given = {kw.arg for kw in call.keywords}
    return {"aws_access_key_id", "aws_secret_access_key"} <= given


def _held(node: ast.expr) -> str:
    """``hook`` or ``self.hook``: a name a client is kept in."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _hazard(src: SourceFile, call: ast.Call, clients: dict[str, str]) -> str | None:
    name = src.call_name(call)
    last = name.rsplit(".", 1)[-1]
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = src.qualname(func.value) or ""
        if receiver.endswith("Variable") and func.attr in {
            "get",
            "setdefault",
            "set",
            "get_variable_from_secrets",
        }:
            return f"`Variable.{func.attr}()` (a metadata database or secrets backend read)"
        if func.attr in _METADATA_METHODS:
            return f"`{func.attr}()` (a connection lookup)"
        if (
            (held := _held(func.value)) in clients
            and func.attr not in {"close", "commit", "rollback", "dispose", "mount"}
            and (clients[held] != "an HTTP session" or func.attr in _HTTP_REQUESTS)
        ):
            return f"`{held}.{func.attr}()` on {clients[held]}"
        if isinstance(func.value, ast.Call):
            inner = _hazard(src, func.value, clients) or _constructor(src, func.value)
            if inner:
                return inner
    if last == "getOrCreate" and "SparkSession" in src.segment(call):
        return "a Spark session (`SparkSession.builder...getOrCreate()`)"
    if last.endswith("Hook") and last[0].isupper() and last not in _STORING_HOOKS:
        return f"the hook `{last}`"
    if (
        name.startswith(_NETWORK_PREFIXES)
        and name not in _NOT_NETWORK
        and not name.startswith(("requests.exceptions", "httpx.HTTP", "socket.error"))
    ):
        return f"a network call (`{name}()`)"
    module = name.rsplit(".", 1)[0]
    if last == "connect" and module in _DB_MODULES:
        return f"a database connection (`{name}()`)"
    if name in _CLIENTS and not _keyed_aws_client(src, call):
        return f"{_CLIENTS[name]} (`{last}()`)"
    if name.startswith("google.cloud.") and last == "Client":
        return f"a Google Cloud client (`{name}()`)"
    if name in _READERS and call.args:
        first = src.string(call.args[0]) or ""
        if first.startswith(("http://", "https://", "s3://", "gs://", "ftp://")):
            return f"a download (`{name}()`)"
    return None
