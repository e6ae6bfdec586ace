"""Python scripts a task runs by shell (``python scripts/load.py``), checked as part of the DAG.

A BashOperator that runs a script hides the script's code from a checker that reads only the
DAG file, yet its secrets and host paths are the DAG's as much as its own. The rules that judge
code without needing a DAG around it (TP005, TP008) are run on each script found inside the
project, and what they find is reported at the task's command, naming the script's line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import AirflowModel, TaskDef
from airflow_trap_check.rules import credentials, paths
from airflow_trap_check.source import parse

SCRIPT_RULES: tuple[tuple[str, Callable[[FileContext], None]], ...] = (
    ("TP005", credentials.check),
    ("TP008", paths.check),
)
_RUNS_SCRIPT = re.compile(r"\bpython(?:3(?:\.\d+)?)?\s+(?:-u\s+)?(?P<path>[^\s;&|'\"]+\.py)\b")
# A command written for the deployed image names the script under the image's Airflow home.
_AIRFLOW_HOMES = ("/opt/airflow/", "/usr/local/airflow/")


def check(ctx: FileContext, selected: set[str] | frozenset[str]) -> None:
    codes = {code for code, _ in SCRIPT_RULES} & set(selected)
    if not codes or ctx.project_root is None:
        return
    for task in ctx.model.tasks:
        command_node = task.kwargs.get("bash_command")
        command = ctx.src.string(command_node) if command_node is not None else None
        if not command:
            continue
        for match in _RUNS_SCRIPT.finditer(command):
            script = _resolve(ctx, match.group("path"))
            if script is not None:
                _report_script(ctx, task, command_node, script, codes)


def _resolve(ctx: FileContext, written: str) -> Path | None:
    root = ctx.project_root
    assert root is not None
    relative = written
    for home in _AIRFLOW_HOMES:
        if written.startswith(home):
            relative = written[len(home) :]
    candidates = [ctx.src.path.parent / relative, root / relative]
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and (resolved == root or root in resolved.parents):
            return resolved
    return None


def _report_script(ctx: FileContext, task: TaskDef, anchor, script: Path, codes: set[str]) -> None:
    data = script.read_bytes()
    src, _ = parse(script, data)
    if src is None:
        return  # a script that does not parse fails loudly when the task runs
    shown = script.relative_to(ctx.project_root).as_posix()  # type: ignore[arg-type]
    inner = FileContext(src, AirflowModel(src), shown, ctx.runbook_name, ctx.project_root)
    for code, rule in SCRIPT_RULES:
        if code in codes:
            rule(inner)
    for finding in inner.findings:
        ctx.report(
            finding.code,
            anchor,
            f"task `{task.label}` runs {shown}, where line {finding.line}: {finding.message}",
        )
