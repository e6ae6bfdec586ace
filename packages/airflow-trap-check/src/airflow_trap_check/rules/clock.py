"""TP001: the wall clock decides a data boundary.

A value read from the clock is followed through assignments, f-strings, ``strftime``/``format``,
arithmetic and the return values and parameters of functions in the same file. It is reported
when it reaches something that selects or names data: a URL, SQL, a file or object path, a
filter, a partition, a task argument. Reaching only a log line, a print or an exception message
is fine, and so is the difference of two clock readings (a duration).
"""

from __future__ import annotations

import ast
from pathlib import Path

from airflow_trap_check import instances, project
from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import AirflowModel
from airflow_trap_check.rules import clock_helpers, imports
from airflow_trap_check.rules.clock_operators import kwargs_key
from airflow_trap_check.rules.clock_sinks import SinkSearch
from airflow_trap_check.rules.clock_terms import (
    EMPTY,
    RUN_IDENTITY,
    Param,
    Taint,
    argument,
    is_clock,
    real,
)
from airflow_trap_check.rules.clock_windows import (
    container_writes,
    relative_windows,
    run_date_guard_end,
    stored_position,
    to_the_second,
    watermark_default,
)
from airflow_trap_check.source import FUNCTION_TYPES, Scope, SourceFile, dotted

# Project modules a clock value is handed to: helpers calling helpers, bounded for speed.
_HELPER_DEPTH = 3
_HELPER_FLOWS: dict[Path, _ClockFlow] = {}


def check(ctx: FileContext) -> None:
    src = ctx.src
    uses_helpers = ctx.project_root is not None and bool(project.imported_names(src))
    if uses_helpers or any(isinstance(n, ast.Call) and is_clock(src, n) for n in src.nodes):
        flow = _ClockFlow(ctx)
        flow.solve()
        flow.report()
        if uses_helpers:
            clock_helpers.check_helper_clocks(ctx, flow)
    if ctx.project_root is not None and (".py" in src.text or "python -m" in src.text):
        clock_helpers.check_script_clocks(ctx, _ClockFlow(ctx))
    if ctx.model.dags or ctx.model.tasks:
        for node, window in relative_windows(src):
            ctx.report(
                "TP001",
                node,
                f"`{window}` asks for a window counted from the wall clock: a retry or "
                "backfill would get the days around the moment it runs instead of the run's "
                "own interval",
            )


def clear_cache() -> None:
    _HELPER_FLOWS.clear()


class _ClockFlow(SinkSearch):
    def __init__(self, ctx: FileContext, depth: int = 0):
        self.ctx = ctx
        self.depth = depth
        relative, self._packages = (
            clock_helpers.relative_imports(ctx.src) if ctx.project_root else ({}, [])
        )
        self._imported = {**relative, **project.imported_names(ctx.src)} if ctx.project_root else {}
        self.src = ctx.src
        self.scopes: list[Scope] = [self.src.tree]
        self.scopes.extend(n for n in self.src.nodes if isinstance(n, FUNCTION_TYPES))
        self.env: dict[int, dict[str, Taint]] = {}
        self.attrs: dict[str, Taint] = {}
        self.returns: dict[int, Taint] = {}
        self.param_sinks: dict[int, dict[str, str]] = {}
        self.param_kinds: dict[int, dict[str, frozenset[str]]] = {}
        self.foreign: dict[int, dict[str, str]] = {}  # a method's param used in another method
        self.found: dict[ast.Call, tuple[int, str]] = {}
        # per clock reading: what its sinks do with it, and the first that does more than name
        # a local file (reads it back, stores it as an object, queries, fetches)
        self.kinds: dict[ast.Call, frozenset[str]] = {}
        self.used: dict[ast.Call, tuple[int, str]] = {}
        self.archived: set[ast.Call] = set()
        self.windows: list[tuple[ast.AST, str]] | None = None  # its relative_windows, once asked
        self.operator_calls = {id(t.node) for t in ctx.model.tasks if not t.is_taskflow}
        self.dag_calls = {id(d.node) for d in ctx.model.dags}
        self.dag_calls |= {id(d.anchor) for d in ctx.model.dags if d.anchor is not None}

    def solve(self) -> None:
        """Taints and sinks to a fixed point: what each function's parameters reach, too."""
        for _ in range(4):
            before = (
                {k: dict(v) for k, v in self.param_sinks.items()},
                dict(self.returns),
                {k: dict(v) for k, v in self.param_kinds.items()},
            )
            for scope in self.scopes:
                self._solve_scope(scope)
            for scope in self.scopes:
                self._find_sinks(scope)
            if before == (self.param_sinks, self.returns, self.param_kinds):
                break

    def report(self) -> None:
        for source, (_line, sink) in sorted(self.found.items(), key=lambda kv: kv[0].lineno):
            kinds = self.kinds.get(source, frozenset())
            if "remove" in kinds and kinds <= {"path", "remove", "task"}:
                continue  # a scratch file named by the day, written and deleted again
            if kinds and kinds <= {"path", "remove", "xcom"} and to_the_second(self.src, source):
                continue  # a file named by the moment it is made, unique per try: no period
            if to_the_second(self.src, source) and source in clock_helpers.signed(self):
                continue  # the nonce of a request signature (Marvel's ts + md5), no period
            text = self.src.segment(source)
            text = text if len(text) <= 40 else text[:37] + "..."
            how = "reads the wall clock"
            if isinstance(source, ast.Name | ast.Attribute):  # imported from a project module
                how = "is the wall clock read when its module is imported,"
            self.ctx.report(
                "TP001",
                source,
                f"`{text}` {how} and reaches {sink}: a retry or backfill "
                "would process the current period instead of the run's own",
            )

    def project_sinks(
        self, call: ast.Call
    ) -> tuple[str, str, ast.AST, dict[str, str], dict[str, frozenset[str]]] | None:
        """For a call of a function imported from the project: its name as written, its file,
        its definition and which of its parameters reach a sink there (``storage.save(df,
        day)`` putting ``day`` into SQL)."""
        helper = self.helper(call.func)
        if helper is None:
            return None
        written, shown, definition, flow = helper
        sinks = flow.param_sinks.get(id(definition))
        kinds = flow.param_kinds.get(id(definition), {})
        return (written, shown, definition, sinks, kinds) if sinks else None

    def helper(
        self, func: ast.AST, methods: bool = False, classes: bool = False
    ) -> tuple[str, str, ast.AST, _ClockFlow] | None:
        """The project function ``func`` names (``load``, ``etl.load``), as written, its file,
        its definition and the solved flow of its module; with ``methods``, also a method of a
        project class instance (``loader.save_raw``)."""
        if self.depth >= _HELPER_DEPTH or not self._imported:
            return None
        folders = [*imports.module_folders(self.ctx), *self._packages]
        target = clock_helpers.imported_target(func, self._imported)
        if target is None:
            if not methods:
                return None
            root = self.ctx.project_root
            found = instances.instance_method(self.src, func, self._imported, folders, root)
            if found is None:
                return None
            helper, definition, written = found
        else:
            module, name, written = target
            root = self.ctx.project_root
            found = project.definition_in(module, name, folders, root)
            found = found or clock_helpers.other_case(module, name, folders, root)
            if found is None or (isinstance(found[1], ast.ClassDef) and not classes):
                return None
            helper, definition = found
        assert self.ctx.project_root is not None
        shown = helper.path.relative_to(self.ctx.project_root).as_posix()
        return written, shown, definition, self.flow_of(helper)

    def flow_of(self, helper: SourceFile) -> _ClockFlow:
        """The solved flow of a project module (a helper's file, a script a task runs)."""
        flow = _HELPER_FLOWS.get(helper.path)
        if flow is None:
            ctx = self.ctx
            inner = FileContext(
                helper, AirflowModel(helper), helper.path.name, ctx.runbook_name,
                ctx.project_root, ctx.reference_time,
            )  # fmt: skip
            flow = _HELPER_FLOWS[helper.path] = _ClockFlow(inner, self.depth + 1)
            flow.solve()
        return flow

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
        containers = container_writes(self.src, scope)
        for _ in range(8):
            changed = False
            filled: dict[str, set[ast.Call | Param]] = {}
            for name, value in containers:
                filled.setdefault(name, set()).update(self.taint(value, scope))
            for name in filled.keys() - table.keys():
                merged = env.get(name, EMPTY) | frozenset(filled[name])
                if merged != env.get(name, EMPTY):
                    env[name] = merged
                    changed = True
            for name, bindings in table.items():
                taint: set[ast.Call | Param] = set(filled.get(name, ()))
                if name in params:
                    taint.add(Param(scope, name))
                for binding in bindings:
                    if not watermark_default(self.src, name, binding.value, bindings):
                        taint |= self.taint(binding.value, scope)
                frozen = frozenset(taint)
                if "." in name:
                    merged = self.attrs.get(name, EMPTY) | frozen
                    if merged != self.attrs.get(name, EMPTY):
                        self.attrs[name] = merged
                        changed = True
                if env.get(name) != frozen:
                    env[name] = frozen
                    changed = True
            if not changed:
                break
        if isinstance(scope, FUNCTION_TYPES):
            taint = set()
            returns = [
                node
                for node in self.src.walk(scope)
                if isinstance(node, ast.Return)
                and node.value is not None
                and self.src.scope_of(node) is scope
            ]
            guarded = run_date_guard_end(self.src, scope, returns)
            for node in returns:
                if guarded is not None and node.lineno > guarded:
                    continue  # the fallback when the run's context carries no date
                taint |= self.taint(node.value, scope)  # type: ignore[arg-type]
            self.returns[id(scope)] = frozenset(taint)

    def lookup(self, name: str, scope: Scope) -> Taint:
        current: Scope | None = scope
        while current is not None:
            if name in self.src.bindings(current) or name in self.env.get(id(current), {}):
                return self.env.get(id(current), {}).get(name, EMPTY)
            current = self.src.enclosing_scope(current)
        return EMPTY

    def taint(self, expr: ast.AST, scope: Scope) -> Taint:
        out: set[ast.Call | Param] = set()
        stack = [expr]
        while stack:
            node = stack.pop()
            if (key := kwargs_key(node, scope)) is not None:
                out.add(Param(scope, key))  # kwargs.get("day"): the caller's day= keyword
                stack.extend(node.args[1:] if isinstance(node, ast.Call) else ())  # its default
            elif isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    out |= self.lookup(node.id, scope) or clock_helpers.imported_clock(self, node)
            elif isinstance(node, ast.Attribute):
                key = dotted(node)
                if key is not None and key in self.attrs:
                    out |= self.attrs[key]
                out |= clock_helpers.imported_clock(self, node)
                stack.append(node.value)
            elif isinstance(node, ast.Call):
                if is_clock(self.src, node):
                    out.add(node)
                    continue
                if stored_position(self.src, node):
                    stack.extend(node.args[:1])
                    continue
                functions = self.src.local_functions(node)
                if functions:
                    out |= self.call_taint(node, functions, scope)
                    continue
                helper = self.helper(node.func) if self._imported else None
                if helper is not None:
                    out |= self._helper_return_taint(node, helper, scope)
                    continue
                stack.extend(self.src.kids(node))
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
                left = self.taint(node.left, scope)
                right = self.taint(node.right, scope)
                # clock - clock is a duration, not a point in time
                if not (real(left) and real(right)):
                    out |= left | right
            elif isinstance(node, FUNCTION_TYPES):
                continue
            elif isinstance(node, ast.Dict):
                # {"conf": ..., "logical_date": now()}: a triggered run named by the time it is
                # triggered, as Airflow names a manual run; its data comes from its conf
                stack.extend(
                    value
                    for key, value in zip(node.keys, node.values, strict=True)
                    if not (isinstance(key, ast.Constant) and key.value in RUN_IDENTITY)
                )
                stack.extend(key for key in node.keys if key is not None)
            elif isinstance(node, ast.keyword) and node.arg in RUN_IDENTITY:
                continue
            else:
                stack.extend(self.src.kids(node))
        return frozenset(out)

    def _helper_return_taint(
        self, call: ast.Call, helper: tuple[str, str, ast.AST, _ClockFlow], scope: Scope
    ) -> Taint:
        """A project function returning the clock's date (``decide_month()`` built on
        ``date.today()``) makes the call a clock reading here; one returning a parameter passes
        its argument's taint through."""
        _, _, definition, flow = helper
        out: set[ast.Call | Param] = set()
        for source in flow.returns.get(id(definition), EMPTY):
            if not isinstance(source, Param):
                out.add(call)
            elif source.func is definition:
                arg = argument(call, definition, source.name)
                if arg is not None:
                    out |= self.taint(arg, scope)
        return frozenset(out)

    def call_taint(self, call: ast.Call, functions: list, scope: Scope) -> Taint:
        out: set[ast.Call | Param] = set()
        for func in functions:
            for source in self.returns.get(id(func), EMPTY):
                if isinstance(source, Param):
                    if source.func is func:
                        arg = argument(call, func, source.name)
                        if arg is not None:
                            out |= self.taint(arg, scope)
                else:
                    out.add(source)
        return frozenset(out)

    # -- sinks ---------------------------------------------------------------------------

    def _hit(self, taint: Taint, node: ast.AST, sink: str, scope: Scope, *kinds: str) -> None:
        """``kinds``: what the sink does with the value, ``path`` (names a local file it writes
        or makes), ``remove`` (deletes that file) or ``other`` (any other use, the default)."""
        line = getattr(node, "lineno", 0)
        where = f"{sink} on line {line}"
        kinds = kinds or ("other",)
        for source in taint:
            if isinstance(source, Param):
                if source.func is not scope:  # self.day = day in __init__, used in execute
                    self.foreign.setdefault(id(source.func), {}).setdefault(source.name, where)
                else:
                    self.param_sinks.setdefault(id(scope), {}).setdefault(source.name, where)
                    known = self.param_kinds.setdefault(id(scope), {})
                    known[source.name] = known.get(source.name, frozenset()) | frozenset(kinds)
                continue
            if source not in self.found or self.found[source][0] > line:
                self.found[source] = (line, where)
            self.kinds[source] = self.kinds.get(source, frozenset()) | frozenset(kinds)
            if {"other", "xcom"} & set(kinds) and (
                source not in self.used or self.used[source][0] > line
            ):
                self.used[source] = (line, where)
