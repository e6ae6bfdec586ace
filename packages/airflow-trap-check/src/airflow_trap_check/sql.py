"""Just enough SQL reading to tell appends from deletes, merges and replacements."""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_SPACE = re.compile(r"\s+")
# a name, which may hold Jinja with spaces inside its braces (`trips_{{ ds_nodash }}`)
_NAME = r"(?P<table>(?:\{\{[^{}]*\}\}|[\w.\"`\[\]{}$@'-])+)"

# A WHERE clause bound to the run: a driver placeholder, an f-string/format hole, or Jinja.
PLACEHOLDER = re.compile(
    r"%s|%\(\w+\)s|(?<![:\w]):[A-Za-z_]\w*|\?|\{[^{}]*\}|\{\{.*?\}\}|\$\d+|@\w+|"
    r"'\{\w*\}'|\{\w*\}"
)


@dataclass(frozen=True)
class Statement:
    kind: str  # append, upsert, merge, scoped_delete, replace, partition, select, other
    table: str | None
    text: str
    where: str = ""


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("partition", re.compile(r"^insert\s+overwrite\b")),
    ("upsert", re.compile(r"^(replace|upsert)\s+into\s+" + _NAME)),
    ("upsert", re.compile(r"^insert\s+(or\s+(replace|ignore)\s+|ignore\s+)into\s+" + _NAME)),
    ("append", re.compile(r"^insert\s+into\s+" + _NAME)),
    ("merge", re.compile(r"^merge\s+(into\s+)?" + _NAME)),
    ("delete", re.compile(r"^delete\s+(from\s+)?" + _NAME)),
    (
        "replace",
        re.compile(
            r"^truncate\s+(table\s+)?(if\s+exists\s+)?(only\s+)?" + _NAME + r"(?!.*\bpartition\b)"
        ),
    ),
    ("replace", re.compile(r"^drop\s+table\s+(if\s+exists\s+)?" + _NAME)),
    ("replace", re.compile(r"^create\s+or\s+replace\s+(temp\w*\s+)?table\s+" + _NAME)),
    (
        "partition",
        re.compile(r"^alter\s+table\s+.*\b(drop|truncate|exchange|detach|replace)\s+partition"),
    ),
    ("append", re.compile(r"^copy\s+into\s+" + _NAME + r"\s+from")),
    ("append", re.compile(r"^copy\s+" + _NAME + r"\s*(\([^)]*\))?\s+from\b")),
    # RDS/Aurora PostgreSQL's import of an S3 object into a table
    ("append", re.compile(r"^select\s+aws_s3\.table_import_from_s3\s*\(\s*'(?P<table>[\w.\"]+)'")),
    ("select", re.compile(r"^(with\b.*?\)\s*)?select\b")),
)
_FORCE = re.compile(r"\bforce\W*\s*=\s*\W*true\b")
_UPSERT_TAIL = re.compile(r"\bon\s+conflict\b|\bon\s+duplicate\s+key\b|\bwhere\s+not\s+exists\b")
_WHERE = re.compile(r"\bwhere\b(?P<where>.*)$")
_SOURCES = re.compile(r"\b(?:from|using|join)\s+(?P<table>[\w.\"`\[\]{}$]+)")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", _COMMENTS.sub(" ", text)).strip()


def statements(text: str) -> list[Statement]:
    result = []
    for raw in normalise(text).split(";"):
        statement = raw.strip()
        if not statement:
            continue
        lowered = statement.lower()
        # CTEs and parenthesised statements: classify by the first DML keyword.
        found = re.search(r"\b(insert|merge|delete|truncate|copy|replace|upsert)\b", lowered)
        body = lowered
        if lowered.startswith(("with ", "(")) and found:
            body = lowered[found.start() :]
        for kind, pattern in _PATTERNS:
            match = pattern.search(body)
            if not match:
                continue
            table = clean_table(match.groupdict().get("table"))
            where = ""
            if kind in {"delete", "select"}:
                found_where = _WHERE.search(body)
                where = found_where.group("where") if found_where else ""
            if kind == "append" and _UPSERT_TAIL.search(body):
                kind = "upsert"
            if kind == "append" and body.startswith("copy into") and table and table[0] in "@'":
                kind = "other"  # unloading to a stage, not loading a table
            elif kind == "append" and body.startswith("copy into") and not _FORCE.search(body):
                # Snowflake's and Databricks' COPY INTO keep load metadata and skip the files
                # already loaded into the table, unless told to FORCE
                kind = "upsert"
            raw_table = match.groupdict().get("table")
            if kind == "replace" and per_period(raw_table):
                kind = "partition"  # dropping or truncating the run's own table
                # named as templated, so that it guards that table only, not every other one
                table = raw_table.strip("\"`[]'()").lower().rsplit(".", 1)[-1]  # type: ignore[union-attr]
            if kind == "delete":
                if not where:
                    kind = "replace"
                elif PLACEHOLDER.search(where) or "{" in where:
                    kind = "scoped_delete"
                else:
                    kind = "other"
            result.append(Statement(kind, table, statement, where))
            break
    return result


_PERIOD_HOLE = re.compile(
    r"\{[^{}]*\b(ds|ds_nodash|ts|ts_nodash|execution_date|logical_date|data_interval_start|"
    r"data_interval_end|strftime|date|day|month|year|period|yyyymm|year_month)\w*\b[^{}]*\}",
    re.IGNORECASE,
)


def per_period(raw: str | None) -> bool:
    """A table name templated with the run's period (``trips_{{ ds_nodash }}``, f"trips_{month}"):
    each run has a table of its own, so replacing it is idempotent."""
    return bool(raw) and bool(_PERIOD_HOLE.search(raw))  # type: ignore[arg-type]


def clean_table(raw: str | None) -> str | None:
    if not raw:
        return None
    name = raw.strip("\"`[]'()").lower()
    if "{" in name or "%" in name or name.startswith(":"):
        # templated: could be any table, unless the template says it is a scratch table
        return name if re.search(r"tmp|temp|stag", name) else None
    return name.replace('"', "").replace("`", "").rsplit(".", 1)[-1] or None


def source_tables(text: str) -> set[str]:
    """Tables a statement reads from (``FROM``/``USING``/``JOIN``)."""
    lowered = normalise(text).lower()
    names = set()
    for match in _SOURCES.finditer(lowered):
        name = clean_table(match.group("table"))
        if name:
            names.add(name)
    return names


def reads_templated_table(text: str) -> bool:
    """A statement reads a table whose name is filled in at run time (``FROM {table}``,
    ``FROM raw.{}``): any table, the one the task writes included."""
    for match in _SOURCES.finditer(normalise(text).lower()):
        raw = match.group("table")
        if ("{" in raw or "%" in raw) and clean_table(raw) is None:
            return True
    return False


def same_table(left: str | None, right: str | None) -> bool:
    return left is None or right is None or left == right
