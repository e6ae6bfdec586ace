"""What every rule receives, and helpers several rules share."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from airflow_trap_check.dags import AirflowModel
from airflow_trap_check.model import RULES_BY_CODE, Finding
from airflow_trap_check.source import SourceFile

_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal"}
)


# Where the Airflow images keep their home: a path under one exists on every worker, and a
# project laid out as that home holds the same path relative to one of its folders.
AIRFLOW_HOMES = ("/opt/airflow/", "/usr/local/airflow/")


def in_airflow_home(path: str) -> str | None:
    """The part of ``path`` below an Airflow image's home, or None when it is elsewhere."""
    for home in AIRFLOW_HOMES:
        if path.startswith(home):
            return path[len(home) :]
    return None


def inside_project(folder: Path, root: Path | None) -> bool:
    """``folder`` is the project root or below it (anything is, when there is no project)."""
    return root is None or folder == root or root in folder.parents


def folders_up_to_root(folder: Path, root: Path | None) -> list[Path]:
    """``folder`` (resolved) and the folders above it, up to and including the project root."""
    here = folder.resolve()
    return [f for f in (here, *here.parents) if inside_project(f, root)]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class FileContext:
    src: SourceFile
    model: AirflowModel
    display_path: str
    runbook_name: str
    project_root: Path | None
    # the day rules judge dates against (TP002's "start_date far in the past"), naive UTC
    reference_time: datetime = field(default_factory=utc_now)
    findings: list[Finding] = field(default_factory=list)

    def report(self, code: str, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0) + 1
        # a suppression comment may sit on the last line of a multi-line expression, not a block
        end_line = (
            (getattr(node, "end_lineno", line) or line) if isinstance(node, ast.expr) else line
        )
        self.findings.append(
            Finding(
                self.display_path,
                line,
                column,
                code,
                message,
                RULES_BY_CODE[code].hint,
                end_line,
            )
        )


def is_output_call(src: SourceFile, call: ast.Call) -> bool:
    """Logging, printing and warnings: places where a value is only shown, never used."""
    name = src.call_name(call)
    if name in {"print", "pprint.pprint", "warnings.warn", "click.echo", "typer.echo"}:
        return True
    if name.startswith("logging."):
        return True
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS:
        receiver = (src.qualname(func.value) or "").lower()
        return "log" in receiver or receiver.endswith(("self", "ti", "task_instance"))
    return False


def is_docstring(src: SourceFile, node: ast.AST) -> bool:
    parent = src.parents.get(node)
    return isinstance(parent, ast.Expr) and isinstance(node, ast.Constant | ast.JoinedStr)


def in_output(src: SourceFile, node: ast.AST) -> bool:
    """Whether ``node`` only feeds a log line, an exception message or an assertion."""
    key = id(node)
    known = src.output_only.get(key)
    if known is None:
        known = _in_output(src, node)
        if key in src.children:
            src.output_only[key] = known
    return known


def _in_output(src: SourceFile, node: ast.AST) -> bool:
    for ancestor in src.ancestors(node):
        if isinstance(ancestor, ast.Call) and is_output_call(src, ancestor):
            return True
        if isinstance(ancestor, ast.Raise | ast.Assert):
            return True
        if isinstance(ancestor, ast.stmt):
            return False
    return False


def is_pattern(src: SourceFile, node: ast.AST) -> bool:
    """A regular expression that matches paths or SQL is not a path or SQL being used."""
    parent = src.parents.get(node)
    return isinstance(parent, ast.Call) and src.call_name(parent).startswith(("re.", "regex."))


def keyword_value(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None
