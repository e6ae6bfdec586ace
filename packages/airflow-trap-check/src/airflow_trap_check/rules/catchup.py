"""TP002: catchup schedules every missed interval since an old start date.

catchup comes from the DAG argument; when unset it is True under Airflow 2 and False under
Airflow 3 (the version is read from the imports and the DAG arguments). The schedule is turned
into an interval (presets, cron, timedelta, timetables; none for manual or asset-triggered DAGs)
and start_date is evaluated from the DAG or its default_args (datetime, pendulum, days_ago,
ISO strings, clock arithmetic). The rule fires when unpausing would schedule at least two runs,
more than the latest one: two whole intervals between start_date and now, or, with an end_date
in the past, two logical dates from start_date to end_date inclusive. A DAG factory's settings
are read from the arguments it is called with.
"""

from __future__ import annotations

import ast
import re
from datetime import datetime, timedelta
from pathlib import Path

from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import DagDef
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile

_PRESETS = {
    "@hourly": timedelta(hours=1),
    "@daily": timedelta(days=1),
    "@midnight": timedelta(days=1),
    "@weekly": timedelta(days=7),
    "@monthly": timedelta(days=30),
    "@quarterly": timedelta(days=91),
    "@yearly": timedelta(days=365),
    "@annually": timedelta(days=365),
}
_NO_INTERVAL = frozenset({"@once", "@continuous", "none"})
_DATE_CONSTRUCTORS = frozenset(
    {
        "datetime.datetime",
        "datetime.date",
        "pendulum.datetime",
        "pendulum.DateTime",
        "pendulum.date",
        "pendulum.Date",
        "airflow.utils.timezone.datetime",
        "airflow.sdk.timezone.datetime",
        "airflow.timezone.datetime",
        "pandas.Timestamp",
    }
)
_PARSERS = frozenset(
    {
        "pendulum.parse",
        "pendulum.from_format",
        "datetime.datetime.strptime",
        "datetime.datetime.fromisoformat",
        "datetime.date.fromisoformat",
        "airflow.utils.timezone.parse",
        "airflow.sdk.timezone.parse",
        "dateutil.parser.parse",
        "pandas.to_datetime",
        "pandas.Timestamp",
    }
)
_NOW = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "pendulum.now",
        "pendulum.today",
        "pendulum.yesterday",
        "airflow.utils.timezone.utcnow",
        "airflow.sdk.timezone.utcnow",
    }
)
_DURATIONS = frozenset(
    {
        "datetime.timedelta",
        "pendulum.duration",
        "pendulum.Duration",
        "dateutil.relativedelta.relativedelta",
        "relativedelta",
        "timedelta",
        "pandas.Timedelta",
    }
)
_EVENT_SCHEDULES = ("Dataset", "Asset", "AssetAll", "AssetAny", "DatasetAll", "DatasetAny")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")


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
    elif model.airflow_major >= 3 or _catchup_off_by_default(ctx.project_root):
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
    if start is None:
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
    when = f"start_date {start:%Y-%m-%d} and a {_describe(interval)} schedule"
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


def _describe(interval: timedelta) -> str:
    for name, value in _PRESETS.items():
        if value == interval:
            return name.lstrip("@")
    if interval < timedelta(hours=1):
        return f"{int(interval.total_seconds() // 60)}-minute"
    if interval < timedelta(days=1):
        return f"{int(interval.total_seconds() // 3600)}-hour"
    return f"{interval.days}-day"


def schedule_interval(src: SourceFile, dag: DagDef, major: int) -> timedelta | None:
    """Length of one interval; ``None`` when the DAG has no time-based schedule."""
    for key in ("schedule", "schedule_interval", "timetable"):
        if key in dag.kwargs:
            return _interval_of(src, dag.kwargs[key], 0)
    return timedelta(days=1) if major < 3 else None


def _interval_of(src: SourceFile, node: ast.AST, depth: int) -> timedelta | None:
    if depth > 6:
        return timedelta(days=1)
    if isinstance(node, ast.Constant):
        if node.value is None:
            return None
        if isinstance(node.value, str):
            text = node.value.strip().lower()
            if text in _NO_INTERVAL:
                return None
            if text in _PRESETS:
                return _PRESETS[text]
            return cron_interval(text) or timedelta(days=1)
        return timedelta(days=1)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return None  # triggered by datasets/assets
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr | ast.BitAnd):
        return None
    if isinstance(node, ast.Name):
        bindings = [b for b in src.lookup(node.id, src.scope_of(node)) if b.kind == "assign"]
        if len(bindings) == 1:
            return _interval_of(src, bindings[0].value, depth + 1)
        return timedelta(days=1)
    if isinstance(node, ast.Call):
        name = src.call_name(node)
        last = name.rsplit(".", 1)[-1]
        if name in _DURATIONS or last in {"timedelta", "duration", "relativedelta"}:
            return duration_value(src, node) or timedelta(days=1)
        if last.startswith(_EVENT_SCHEDULES) or last in {
            "EventsTimetable",
            "AssetTriggeredTimetable",
        }:
            return None
        if "Cron" in last and node.args:
            text = src.constant(node.args[0])
            if isinstance(text, str):
                return _interval_of(src, ast.Constant(text), depth + 1)
        if "Delta" in last and node.args:
            return _interval_of(src, node.args[0], depth + 1)
        if last == "MultipleCronTriggerTimetable":
            intervals = [_interval_of(src, arg, depth + 1) for arg in node.args]
            known = [i for i in intervals if i is not None]
            return min(known) if known else timedelta(days=1)
    return timedelta(days=1)


def cron_interval(text: str) -> timedelta | None:
    """Rough length of a cron schedule's interval (enough to count missed runs)."""
    fields = text.split()
    if len(fields) < 5:
        return None
    minute, hour, dom, month, dow = fields[:5]

    def every(field: str, unit: int) -> int | None:
        if field == "*":
            return 1
        if field.startswith("*/") and field[2:].isdigit():
            return int(field[2:])
        if "," in field:
            return max(1, unit // (field.count(",") + 1))
        return None

    if hour == "*" or hour.startswith("*/"):
        step = every(minute, 60)
        if step is not None and minute not in {"0"}:
            return timedelta(minutes=step)
        return timedelta(hours=every(hour, 24) or 1)
    if "," in hour or "-" in hour:
        return timedelta(hours=24 / (hour.count(",") + 1)) if "," in hour else timedelta(hours=1)
    # a field listing every value ("1-12" months, "1-31" days, "0-6" weekdays) is "*"
    months, days, weekdays = _count(month, 1, 12), _count(dom, 1, 31), _count(dow, 0, 6)
    month = "*" if months == 12 else month
    dom = "*" if days == 31 else dom
    dow = "*" if weekdays == 7 else dow
    if dom in {"*", "?"} and month in {"*", "?"}:
        if dow in {"*", "?"}:
            return timedelta(days=1)
        return timedelta(days=7 / weekdays) if weekdays else timedelta(days=1)
    if month in {"*", "?"}:
        return timedelta(days=30 / (days or 1))
    if dom in {"*", "?"} and dow in {"*", "?"}:
        return timedelta(days=1)  # every day of some months
    return timedelta(days=365 / ((months or 1) * (days or 1)))


def _count(field: str, low: int, high: int) -> int | None:
    """How many values a cron field matches ("*/2", "1-5", "1,15", "MON" count); ``None``
    when it is not understood."""
    if field in {"*", "?"}:
        return high - low + 1
    values: set[int] = set()
    named = 0  # MON, JAN
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, _, raw_step = part.partition("/")
            if not raw_step.isdigit() or int(raw_step) == 0:
                return None
            step = int(raw_step)
        if part in {"*", ""}:
            first, last = low, high
        elif "-" in part:
            start, _, end = part.partition("-")
            if not (start.isdigit() and end.isdigit()):
                return None
            first, last = int(start), int(end)
        elif part.isdigit():
            first = int(part)
            last = first if step == 1 else high
        elif len(part) == 3 and part.isalpha():
            named += 1
            continue
        else:
            return None
        values.update(range(first, last + 1, step))
    if high == 6:  # Sunday is 0 and 7
        values = {7 if v == 0 else v for v in values}
    return (len(values) + named) or None


def duration_value(src: SourceFile, call: ast.Call) -> timedelta | None:
    units = {
        "weeks": 7 * 86400,
        "days": 86400,
        "hours": 3600,
        "minutes": 60,
        "seconds": 1,
        "months": 30 * 86400,
        "years": 365 * 86400,
    }
    seconds = 0.0
    for kw in call.keywords:
        value = src.constant(kw.value)
        if kw.arg in units and isinstance(value, int | float):
            seconds += units[kw.arg] * value
    if call.args:
        value = src.constant(call.args[0])
        if isinstance(value, int | float):
            seconds += 86400 * value
    return timedelta(seconds=seconds) if seconds > 0 else None


def date_value(
    src: SourceFile, node: ast.AST | None, now: datetime, depth: int = 0
) -> datetime | None:
    """The start date as a naive datetime; clock-relative dates are evaluated as of ``now``."""
    if node is None or depth > 6:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        match = _ISO.match(node.value.strip())
        if match:
            year, month, day = (int(g) for g in match.groups())
            return _safe_date(year, month, day)
        return None
    if isinstance(node, ast.Name):
        bindings = [b for b in src.lookup(node.id, src.scope_of(node)) if b.kind == "assign"]
        if len(bindings) == 1:
            return date_value(src, bindings[0].value, now, depth + 1)
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub | ast.Add):
        base = date_value(src, node.left, now, depth + 1)
        delta = None
        if isinstance(node.right, ast.Call):
            delta = duration_value(src, node.right)
        if base is None or delta is None:
            return base
        return base - delta if isinstance(node.op, ast.Sub) else base + delta
    if not isinstance(node, ast.Call):
        return None
    name = src.call_name(node)
    last = name.rsplit(".", 1)[-1]
    if last == "days_ago" and node.args:
        days = src.constant(node.args[0])
        if isinstance(days, int | float):
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            return midnight - timedelta(days=days)
    if name in _NOW:
        return now
    if (name in _DATE_CONSTRUCTORS and name not in _PARSERS) or (
        name == "pandas.Timestamp" and len(node.args) >= 2
    ):
        values = [src.constant(a) for a in node.args[:3]]
        named = {kw.arg: src.constant(kw.value) for kw in node.keywords}
        year = values[0] if values else named.get("year")
        month = values[1] if len(values) > 1 else named.get("month", 1)
        day = values[2] if len(values) > 2 else named.get("day", 1)
        if all(isinstance(v, int) for v in (year, month, day)):
            return _safe_date(year, month, day)
        return None
    if name in _PARSERS and node.args:
        return date_value(src, node.args[0], now, depth + 1)
    if isinstance(node.func, ast.Attribute):
        method = node.func.attr
        base = date_value(src, node.func.value, now, depth + 1)
        if base is None:
            return None
        if method in {"subtract", "add"}:
            delta = duration_value(src, node)
            if delta is not None:
                return base - delta if method == "subtract" else base + delta
        return base
    return None


def _safe_date(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day)  # naive: only compared with a naive now
    except ValueError:
        return None
