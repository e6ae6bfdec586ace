"""TP002: catchup schedules every missed interval since an old start date.

catchup comes from the DAG argument; when unset it is True under Airflow 2 and False under
Airflow 3 (the version is read from the imports and the DAG arguments). The schedule is turned
into an interval (presets, cron, timedelta, timetables; none for manual or asset-triggered DAGs)
and start_date is evaluated from the DAG or its default_args (datetime, pendulum, days_ago,
ISO strings, clock arithmetic). The rule fires when unpausing would schedule at least two runs,
more than the latest one: two whole intervals between start_date and now, or, with an end_date
in the past, two logical dates from start_date to end_date inclusive. A DAG factory's settings
are read from the arguments it is called with. With a reference day (``--reference-date``, a
commit's day) a start_date on that day itself is not reported.
"""

from __future__ import annotations

import ast
import re
from datetime import time, timedelta
from pathlib import Path

from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import DagDef
from airflow_trap_check.rules.airflow3_imports import deploys_airflow3
from airflow_trap_check.rules.schedules import date_value, describe, schedule_interval
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile


def check(ctx: FileContext) -> None:
    for dag in ctx.model.dags:
        for arguments in _factory_arguments(ctx.src, dag):
            if check_dag(ctx, dag, arguments):
                break  # one finding per DAG, for the first generated DAG that floods


def check_dag(ctx: FileContext, dag: DagDef, arguments: dict[str, ast.expr]) -> bool:
    src = ctx.src
    model = ctx.model

    def value(node: ast.expr | None) -> ast.expr | None:
        return _substitute(src, node, arguments)

    kwargs = {key: resolved for key, node in dag.kwargs.items() if (resolved := value(node))}
    node = kwargs.get("catchup")
    if node is not None:
        catchup = src.constant(node)
        if catchup is not True and catchup != 1:
            return False  # off, or decided at run time (env var, config)
    elif deploys_airflow3(ctx) or _catchup_off_by_default(ctx.project_root):
        return False
    interval = schedule_interval(src, DagDef(dag.node, kwargs, dag.region), model.airflow_major)
    if interval is None:
        return False
    defaults = {
        key: resolved
        for key, entry in (src.dict_entries(kwargs.get("default_args")) or {}).items()
        if (resolved := value(entry)) is not None
    }
    now = ctx.reference_time
    start = date_value(src, kwargs.get("start_date") or defaults.get("start_date"), now)
    if start is None or (
        now.time() == time.max and start.date() == now.date() and start.time() == time.min
    ):
        # a reference given as a day (the commit's) has no time of day: a start_date of that
        # date itself (no time of its own) is the day the DAG was written, not history
        return False
    end = date_value(src, kwargs.get("end_date") or defaults.get("end_date"), now)
    if end is not None and end + interval <= now:
        # end_date is the last logical date scheduled, and its interval is over: every run
        # from start_date to end_date inclusive is history
        runs = int((end - start) / interval) + 1 if end >= start else 0
    else:
        runs = int((now - start) / interval)
    if runs < 2:
        return False
    if runs == 2 and _moves_with_the_clock(
        src, kwargs.get("start_date") or defaults.get("start_date"), now
    ):
        # days_ago(2), Airflow 2's own example idiom: the backlog stays one run behind the
        # latest whenever the DAG is unpaused, not the history since an old date
        return False
    when = f"start_date {start:%Y-%m-%d} and a {describe(interval)} schedule"
    generated = " (for a DAG this factory is called with)" if arguments else ""
    if dag.kwargs.get("catchup") is not None:
        ctx.report(
            "TP002",
            dag.kwargs["catchup"],
            f"catchup=True with {when}{generated}: unpausing schedules about {runs:,} runs at once",
        )
    else:
        ignored = " (catchup in default_args is ignored)" if "catchup" in defaults else ""
        ctx.report(
            "TP002",
            dag.anchor or dag.node,
            f"catchup is not set, so Airflow 2 turns it on{ignored}; with {when}{generated} "
            f"unpausing schedules about {runs:,} runs at once",
        )
    return True


def _moves_with_the_clock(src: SourceFile, node: ast.expr | None, now) -> bool:
    """The start date is counted back from the moment the file is parsed (``days_ago(2)``,
    ``datetime.now() - timedelta(days=2)``)."""
    later = date_value(src, node, now + timedelta(days=400))
    return later is not None and later != date_value(src, node, now)


def _factory_arguments(src: SourceFile, dag: DagDef) -> list[dict[str, ast.expr]]:
    """What the parameters of a DAG factory are called with, one mapping per generated DAG.

    ``def make(config): with DAG(schedule=config["schedule"], ...)`` called as
    ``make(CONFIG)`` or in ``for config in CONFIGS: make(config)``: the DAG's settings come
    from each argument. Outside a factory (or when no call is found) there is one empty mapping.
    """
    scope = src.scope_of(dag.node)
    if not isinstance(scope, FUNCTION_TYPES) or scope is dag.node:
        return [{}]
    args = scope.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    names = set(positional) | {a.arg for a in args.kwonlyargs}
    used = {
        n.id
        for value in dag.kwargs.values()
        for n in ast.walk(value)
        if isinstance(n, ast.Name) and n.id in names
    }
    if not used:
        return [{}]
    variants: list[dict[str, ast.expr]] = []
    for call in src.nodes:
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == scope.name
            and scope in src.functions.get(scope.name, [])
        ):
            continue
        bound: dict[str, ast.expr] = {}
        for name, arg in zip(positional, call.args, strict=False):
            if not isinstance(arg, ast.Starred):
                bound[name] = arg
        bound.update({kw.arg: kw.value for kw in call.keywords if kw.arg in names})
        choices: list[dict[str, ast.expr]] = [{}]
        for name, arg in bound.items():
            if name not in used:
                continue
            options = _loop_values(src, arg) or [arg]
            choices = [{**choice, name: option} for choice in choices for option in options]
        variants.extend(choices)
        if len(variants) > 50:
            break
    return variants or [{}]


def _loop_values(src: SourceFile, node: ast.expr) -> list[ast.expr]:
    """The items a loop variable takes: ``for config in [A, B]`` or ``CONFIGS`` bound to one."""
    if not isinstance(node, ast.Name):
        return []
    bindings = src.lookup(node.id, src.scope_of(node))
    if len(bindings) != 1 or bindings[0].kind != "iter":
        return []
    iterable: ast.expr | None = bindings[0].value
    for _ in range(4):
        if isinstance(iterable, ast.Name):
            found = [b for b in src.lookup(iterable.id, src.scope_of(iterable))]
            iterable = found[0].value if len(found) == 1 and found[0].kind == "assign" else None
        elif isinstance(iterable, ast.Call) and src.call_name(iterable) in {"list", "tuple"}:
            iterable = iterable.args[0] if iterable.args else None
        else:
            break
    if isinstance(iterable, ast.List | ast.Tuple | ast.Set):
        return [e for e in iterable.elts if not isinstance(e, ast.Starred)]
    if (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Attribute)
        and iterable.func.attr == "values"
    ):
        entries = src.dict_entries(iterable.func.value)
        return list(entries.values()) if entries else []
    return []


def _substitute(
    src: SourceFile, node: ast.expr | None, arguments: dict[str, ast.expr], depth: int = 0
) -> ast.expr | None:
    """``node`` with a factory parameter (``config``, ``config["key"]``,
    ``config.get("key", default)``) replaced by what the factory was called with."""
    if node is None or not arguments or depth > 4:
        return node
    if isinstance(node, ast.Name) and node.id in arguments:
        return arguments[node.id]
    key: object = None
    base: ast.expr | None = None
    default: ast.expr | None = None
    if isinstance(node, ast.Subscript):
        base, key = node.value, src.constant(node.slice)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
    ):
        base, key = node.func.value, src.constant(node.args[0])
        default = node.args[1] if len(node.args) > 1 else None
    if base is None or not isinstance(key, str):
        return node
    container = _substitute(src, base, arguments, depth + 1)
    if container is base:
        return node
    entries = src.dict_entries(container) or {}
    return entries.get(key, default)


_CFG_CATCHUP = re.compile(r"^\s*catchup_by_default\s*=\s*(\w+)", re.MULTILINE | re.IGNORECASE)
_ENV_CATCHUP = re.compile(
    r"AIRFLOW__SCHEDULER__CATCHUP_BY_DEFAULT['\"]?\s*[:=]\s*['\"]?(\w+)", re.IGNORECASE
)
_PROJECT_DEFAULTS: dict[Path, bool] = {}


def _catchup_off_by_default(root: Path | None) -> bool:
    """The project's airflow.cfg or container environment turns catchup off for every DAG."""
    if root is None:
        return False
    if root not in _PROJECT_DEFAULTS:
        off = False
        candidates = [*root.glob("airflow.cfg"), *root.glob("*/airflow.cfg")]
        candidates += [*root.glob("*compose*.y*ml"), *root.glob(".env"), *root.glob("Dockerfile")]
        candidates += [*root.glob("*/*compose*.y*ml"), *root.glob("*/Dockerfile")]
        for path in candidates:
            try:
                text = path.read_text(errors="replace")[:500_000]
            except OSError:
                continue
            for pattern in (_CFG_CATCHUP, _ENV_CATCHUP):
                match = pattern.search(text)
                if match and match.group(1).lower() in {"false", "0", "no", "off"}:
                    off = True
        _PROJECT_DEFAULTS[root] = off
    return _PROJECT_DEFAULTS[root]
