"""Where a clock-tainted value does harm: URLs, SQL, paths, filters, task arguments, XCom that
another task turns into a boundary. A log line, a print or an exception message is harmless."""

from __future__ import annotations

import ast
import re

from airflow_trap_check.base import is_output_call
from airflow_trap_check.rules.clock_operators import callable_kwargs, operator_keywords
from airflow_trap_check.rules.clock_ranges import delegated_call, range_end, where_values
from airflow_trap_check.rules.clock_terms import (
    ARCHIVE_PATH,
    BOUNDARY_KEY,
    BOUNDARY_KWARG,
    BUSINESS_DATE,
    CLI_DATE,
    DATE_FACTORIES,
    EMPTY,
    EXCLUDED_TASK_ARGS,
    EXECUTE_METHODS,
    FETCH_VERBS,
    FILE_EXT,
    INSERT_VALUES,
    LOCAL_PATH_FUNCTIONS,
    LOCAL_WRITE_METHODS,
    NOT_DATA,
    REMOVE_CALLS,
    SINK_FUNCTIONS,
    SINK_METHODS,
    SQL,
    SQL_KEYWORD,
    TASK_DATA_ARGS,
    XCOM_TASK,
    Param,
    Taint,
    argument,
)
from airflow_trap_check.rules.clock_windows import to_the_second
from airflow_trap_check.source import FUNCTION_TYPES, Scope, SourceFile

_TABLE_NAME = re.compile(r"\b(table|into|from|copy|join|update|exists)\s+[\w.\"`]*$", re.I)
# A call recording when the last run happened, whatever it is named after.
LAST_RUN_RECORD = re.compile(r"(update|set|save|store|write|record|put)_last_")


class SinkSearch:
    """The sink half of :class:`~airflow_trap_check.rules.clock._ClockFlow`."""

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
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    self._business_date(key, value, scope)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript):
                        self._business_date(target.slice, node.value, scope)

    def _business_date(self, key: ast.AST | None, value: ast.expr, scope: Scope) -> None:
        """``{"order_date": date.today() - timedelta(days=3)}``: the clock makes up the day the
        recorded business event belongs to (an audit column such as ``loaded_at`` does not)."""
        if not (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and BUSINESS_DATE.match(key.value)
        ):
            return
        taint = self.taint(value, scope)
        if taint:
            self._hit(taint, value, f"the business date field `{key.value}`", scope)

    def _xcom_sink(self, node: ast.Constant, scope: Scope) -> None:
        """A template pulling another task's return value: what that task returned is used."""
        taint: set[ast.Call | Param] = set()
        for match in XCOM_TASK.finditer(node.value):
            for func in self._task_functions(match.group("task")):
                taint |= {s for s in self.returns.get(id(func), EMPTY) if not isinstance(s, Param)}
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
                and BOUNDARY_KEY.search(key.value)
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
            taint = EMPTY
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
            elif INSERT_VALUES.search(text):
                taint = EMPTY
            if taint:
                self._hit(taint, node, "the SQL", scope)
        elif kind is not None:
            if kind == "file path" and ARCHIVE_PATH.search(text):
                self.archived.update(s for s in taint if not isinstance(s, Param))
            self._hit(taint, node, f"the {kind}", scope, "path" if kind == "file path" else "other")
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
                keywords = SQL_KEYWORD.findall(text)
                last = keywords[-1].lower() if keywords else ""
                # `CREATE TEMP TABLE stage_{int(time.time())}`: a table named per try, no period
                stamped = all(to_the_second(self.src, c) for c in taint)
                if last not in {"values", "set", "select", "when", "then", "else"} and not (
                    stamped and _TABLE_NAME.search(text)
                ):
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
            operator_keywords(self, call, scope)
            for kw in call.keywords:
                if kw.arg is None or not _is_task_data_arg(kw.arg):
                    continue
                if isinstance(kw.value, ast.JoinedStr | ast.BinOp):
                    continue  # judged as a string, where position inside SQL is known
                if kw.arg == "op_kwargs" and callable_kwargs(self, call, kw.value, scope):
                    continue
                taint = self.taint(kw.value, scope)
                if taint:
                    self._hit(taint, kw.value, f"the task argument `{kw.arg}`", scope, "task")
            return
        delegated = delegated_call(call)
        if delegated is not None:
            self._call_sink(delegated, scope)  # pool.submit(fetch, day): fetch(day)
            return
        functions = src.local_functions(call)
        if functions:
            for func in functions:
                range_end(self, call, scope, func.name, func)
                sinks = self.param_sinks.get(id(func), {})
                kinds = self.param_kinds.get(id(func), {})
                for param, where in sinks.items():
                    arg = argument(call, func, param)
                    if arg is not None:
                        taint = self.taint(arg, scope)
                        if taint:
                            self._hit(
                                taint,
                                call,
                                f"`{func.name}()`, which puts its `{param}` into {where}, called",
                                scope,
                                *kinds.get(param, ("other",)),
                            )
            return
        if name.startswith(DATE_FACTORIES) or is_output_call(src, call):
            return
        found = self.helper(call.func) if self._imported else None
        if found is not None:
            range_end(self, call, scope, found[0], found[2])
        helper = self.project_sinks(call)
        if helper is not None:
            written, shown, definition, sinks, kinds = helper
            # `execute_query("INSERT ... VALUES (%s, ...)", (..., now))`: the clock only fills a
            # column of the row, as when the statement is executed here
            inserts_row = any(
                INSERT_VALUES.search(src.string(arg) or "")
                for arg in [*call.args, *(kw.value for kw in call.keywords)]
            )
            for param, where in sinks.items():
                if inserts_row and where.startswith("the parameters of"):
                    continue
                arg = argument(call, definition, param)
                taint = self.taint(arg, scope) if arg is not None else EMPTY
                if taint:
                    self._hit(
                        taint,
                        call,
                        f"`{written}()` ({shown}), which puts its `{param}` into {where}, called",
                        scope,
                        *kinds.get(param, ("other",)),
                    )
            return
        if method in EXECUTE_METHODS:
            self._execute_sink(call, scope, label)
            return
        if method in SINK_METHODS or name.startswith(SINK_FUNCTIONS) or name in {"filter"}:
            taint = EMPTY
            for arg in [*call.args, *(kw.value for kw in call.keywords if kw.arg not in NOT_DATA)]:
                taint |= self.taint(arg, scope)
            if taint:
                self._hit(taint, call, f"`{label}()`", scope, _io_kind(src, call, name, method))
            return
        if name.endswith("Variable.set") and len(call.args) > 1:
            self._hit(self.taint(call.args[1], scope), call, "`Variable.set()`", scope)
            return
        range_end(self, call, scope, label)
        last = name.rsplit(".", 1)[-1].lower()
        if LAST_RUN_RECORD.match(last):
            return  # update_last_extraction_date(now): a record of when it ran, not a period
        if any(verb in last for verb in FETCH_VERBS) and not name.startswith(("json.", "yaml.")):
            taint = EMPTY
            for arg in [*call.args, *(kw.value for kw in call.keywords)]:
                taint |= self.taint(arg, scope)
            if taint:
                self._hit(taint, call, f"`{label}()`", scope)
            return
        for kw in call.keywords:
            # start_date/end_date on an unknown call is nearly always a DAG factory's schedule
            if kw.arg and BOUNDARY_KWARG.match(kw.arg) and kw.arg not in EXCLUDED_TASK_ARGS:
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
        taint = EMPTY
        for value in where_values(self.src, sql, params):
            taint |= self.taint(value, scope)
        if taint and not (sql and INSERT_VALUES.search(sql)):
            self._hit(taint, call, f"the parameters of `{label}()`", scope)
        if isinstance(statement, ast.Call) and not self.src.local_functions(statement):
            taint = self.taint(statement, scope)
            if taint:
                self._hit(taint, call, f"the SQL run by `{label}()`", scope)


def _io_kind(src: SourceFile, call: ast.Call, name: str, method: str) -> str:
    """What a file call does with a clock-named path: ``remove`` it, only name a local ``path``
    (write, make, join, move), hand it to later tasks (``xcom``, also counted as a use), or
    more: read it back or store it as an object (``other``)."""
    if name.startswith(REMOVE_CALLS) or method == "unlink":
        return "remove"
    if method == "xcom_push":
        return "xcom"  # hands the value to later tasks, which then reuse it as it is
    if name in {"open", "io.open"}:
        mode = call.args[1] if len(call.args) > 1 else None
        mode = next((kw.value for kw in call.keywords if kw.arg == "mode"), mode)
        text = src.string(mode) if mode is not None else "r"
        return "other" if text is None or "r" in text else "path"
    if name.startswith(LOCAL_PATH_FUNCTIONS) or method in LOCAL_WRITE_METHODS:
        return "path"
    if name.startswith("pyarrow.parquet.write"):
        return "path"
    return "other"


def _is_task_data_arg(name: str) -> bool:
    if name in EXCLUDED_TASK_ARGS or name in {"target_time", "target_date", "delta"}:
        return False
    return name in TASK_DATA_ARGS or bool(BOUNDARY_KWARG.match(name))


def _string_kind(text: str) -> str | None:
    if "://" in text or text.startswith("www."):
        return "URL"
    if SQL.search(text):
        return "SQL"
    if "/" in text or "\\" in text or FILE_EXT.search(text):
        return "file path"
    if CLI_DATE.search(text):
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
