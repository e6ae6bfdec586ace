"""Reading a DAG's schedule and dates without running it.

A schedule becomes the length of one interval (presets, cron, ``timedelta``, timetables;
``None`` for manual and asset-triggered DAGs), and a start or end date becomes a naive datetime
(``datetime``, pendulum, ``days_ago``, ISO strings, clock arithmetic, evaluated as of a given
day).
"""

from __future__ import annotations

import ast
import re
from datetime import datetime, timedelta

from airflow_trap_check.dags import DagDef
from airflow_trap_check.source import SourceFile

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
        # Airflow 1 and 2 re-export the standard library's classes from airflow.utils.dates
        "airflow.utils.dates.datetime",
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
        "airflow.utils.dates.timedelta",
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


def describe(interval: timedelta) -> str:
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
    if (
        (name in _DATE_CONSTRUCTORS and name not in _PARSERS)
        # `import datetime` then `datetime(2019, 1, 1)`: the class was meant (the call fails)
        or (name == "datetime" and len(node.args) >= 3)
        or (name == "pandas.Timestamp" and len(node.args) >= 2)
    ):
        values = [src.constant(a) for a in node.args[:3]]
        named = {kw.arg: src.constant(kw.value) for kw in node.keywords}
        year = values[0] if values else named.get("year")
        month = values[1] if len(values) > 1 else named.get("month", 1)
        day = values[2] if len(values) > 2 else named.get("day", 1)
        if all(isinstance(v, int) for v in (year, month, day)):
            date = _safe_date(year, month, day)
            clock = [src.constant(a) for a in node.args[3:5]] or [named.get("hour")]
            clock += [named.get("minute")] if len(clock) < 2 else []
            hour, minute = (v if isinstance(v, int) else 0 for v in clock)
            if date is not None and 0 <= hour < 24 and 0 <= minute < 60:
                return date.replace(hour=hour, minute=minute)  # a moment, not only a day
            return date
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
