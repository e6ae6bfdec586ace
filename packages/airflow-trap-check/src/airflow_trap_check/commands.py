"""The commands a task runs and the project scripts they name.

A BashOperator's ``bash_command``, a container operator's ``command``/``cmds``/``arguments``,
SparkSubmitOperator's ``application`` and the command a python callable hands
``subprocess``/``os.system``; in them ``python scripts/load.py``, ``spark-submit jobs/etl.py``
and ``bash scripts/run.sh`` name project scripts, found under the project root or, for a path
in the image (``/opt/airflow/...``, ``/app/extract.py``), by the tail of their path.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path, PurePosixPath

from airflow_trap_check.base import FileContext, in_airflow_home
from airflow_trap_check.dags import TaskDef

_RUNS_SCRIPT = re.compile(
    r"\bpython(?:3(?:\.\d+)?)?\s+(?:-u\s+)?(?P<path>[^\s;&|'\"]+\.py)\b"
    # `python -m scripts.load_sales`: the module scripts/load_sales.py
    r"|\bpython(?:3(?:\.\d+)?)?\s+(?:-u\s+)?-m\s+(?P<module>[A-Za-z_][\w.]*)(?=$|[\s;&|'\")])"
    # spark-submit's application: the .py after its options (`--master x --py-files a.py`)
    r"|\bspark-submit(?:\s+--[\w.-]+(?:=\S+|\s+(?!--)[^\s;&|]+)?)*\s+(?P<app>[^\s;&|'\"]+\.py)\b"
)
# SparkSubmitOperator's application, a cloud job's main script (Dataproc's `main`, Glue's
# `script_location`), and a python callable's subprocess/os.system command
_APPLICATION_ARGUMENTS = (
    "application",
    "main",
    "main_python_file_uri",
    "script_location",
)
# a job or step spec's script: Dataproc's job={"pyspark_job": {"main_python_file_uri": ...}}
_SPEC_ARGUMENTS = ("job", "steps", "step")
_SPEC_KEYS = frozenset({"main_python_file_uri", "mainPythonFileUri", "ScriptLocation"})
# where the script is found by its name: a bucket (gs://, s3://) or a variable's folder ($JOBS/)
# (`{HOME}/...` is a name the file does not bind, as a joined path or f-string renders it)
_BY_NAME = re.compile(r"^(\$\{?\w+\}?/|\{\w+\}/|[a-z][\w+]*://)")
# `cd dir && python x.py`: the script is in that folder
_CD = re.compile(r"\bcd\s+(?P<dir>[^\s;&|]+)\s*(?:&&|;)")
_COMMAND_CALLS = frozenset(
    {"os.system", "os.popen"}
    | {f"subprocess.{f}" for f in ("run", "call", "check_call", "check_output", "Popen")}
)
# `bash scripts/x.sh`, `sh -e x.sh`, or a script as the command itself (`./x.sh`, `scripts/x.sh`)
RUNS_SHELL_SCRIPT = re.compile(
    r"(?:\b(?:bash|sh|zsh|source)\s+(?:-\w+\s+)*|(?:^|[;&|(])\s*|\s(?=\.{0,2}/))"
    r"(?P<path>[^\s;&|'\"()]+\.sh)\b"
)
# Where a task's command is written: BashOperator, and the container operators.
_COMMAND_ARGUMENTS = ("bash_command", "command", "cmds", "arguments")
_SKIPPED_FOLDERS = frozenset({".git", "node_modules", "venv", ".venv", "site-packages"})


def task_commands(ctx: FileContext, task: TaskDef) -> Iterator[tuple[ast.expr, str]]:
    """The commands a task runs, each with the expression that writes it: its command argument,
    a Spark application (``application="/opt/airflow/jobs/etl.py"``), or the command its python
    callable hands ``subprocess``/``os.system``."""
    for argument in _COMMAND_ARGUMENTS:
        node = task.kwargs.get(argument)
        command = _command_text(ctx, node) if node is not None else None
        if node is not None and command:
            yield node, command
    for argument in _APPLICATION_ARGUMENTS:
        node = task.kwargs.get(argument)
        application = ctx.src.string(node) if node is not None else None
        if node is not None and application and application.endswith(".py"):
            yield node, f"spark-submit {application}"
    for argument in _SPEC_ARGUMENTS:
        node = task.kwargs.get(argument)
        for found in _spec_scripts(ctx, node) if node is not None else ():
            yield node, found  # type: ignore[misc]
    for root in task.code:
        for call in ctx.src.walk(root):
            if not (isinstance(call, ast.Call) and call.args):
                continue
            if ctx.src.call_name(call) in _COMMAND_CALLS:
                command = _command_text(ctx, call.args[0])
                if command:
                    yield call.args[0], command


def python_scripts(ctx: FileContext, command: str) -> list[Path]:
    """The project's python scripts a command runs (``python scripts/load.py``,
    ``spark-submit --master local jobs/etl.py``)."""
    found: list[Path] = []
    for match in _RUNS_SCRIPT.finditer(command):
        module = match.group("module")
        written = f"{module.replace('.', '/')}.py" if module else None
        written = written or match.group("path") or match.group("app")
        folder = _CD.search(command[: match.start()])
        script = None
        if folder and not written.startswith(("/", "$")) and "://" not in written:
            script = resolve_script(ctx, f"{folder.group('dir').rstrip('/')}/{written}")
        script = script or resolve_script(ctx, written)
        if script is not None and script not in found:
            found.append(script)
    return found


def shell_scripts(ctx: FileContext, command: str) -> list[Path]:
    """The project's shell scripts a command runs (``bash scripts/run_dbt.sh``)."""
    if ctx.project_root is None:
        return []
    found = (resolve_script(ctx, m.group("path")) for m in RUNS_SHELL_SCRIPT.finditer(command))
    return [script for script in found if script is not None]


def read_script(file: Path) -> str:
    """A script's text; an unreadable one reads as empty (it fails loudly where it runs)."""
    try:
        return file.read_text(errors="replace")
    except OSError:
        return ""


def _command_text(ctx: FileContext, node: ast.expr) -> str | None:
    """A command as one line: a string, or the list a container operator is given."""
    if isinstance(node, ast.List | ast.Tuple):
        parts = [ctx.src.string(item) for item in node.elts]
        return " ".join(p for p in parts if p) or None
    return ctx.src.string(node)


def resolve_script(ctx: FileContext, written: str) -> Path | None:
    root = ctx.project_root
    assert root is not None
    # a command written for the deployed image names the script under the image's Airflow home
    relative = in_airflow_home(written) or written
    candidates = [ctx.src.path.parent / relative, root / relative]
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and (resolved == root or root in resolved.parents):
            return resolved
    if written.startswith("/"):
        return _copied_into_image(ctx, root, PurePosixPath(written))
    if _BY_NAME.match(written):
        return _copied_into_image(ctx, root, PurePosixPath(_BY_NAME.sub("/", written)))
    return None


def _spec_scripts(ctx: FileContext, node: ast.expr, depth: int = 0) -> Iterator[str]:
    """The scripts a job or step spec runs: a ``main_python_file_uri`` entry, or a step's
    ``Args`` list that spark-submits a ``.py`` (EMR); names bound to a spec are followed."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and depth < 3:
            for binding in ctx.src.lookup(sub.id, ctx.src.scope_of(sub))[:1]:
                if isinstance(binding.value, ast.Dict | ast.List):
                    yield from _spec_scripts(ctx, binding.value, depth + 1)
        elif isinstance(sub, ast.Dict):
            for key, value in zip(sub.keys, sub.values, strict=True):
                text = ctx.src.string(value) if isinstance(key, ast.Constant) else None
                if key.value in _SPEC_KEYS and text and text.endswith(".py"):  # type: ignore[union-attr]
                    yield f"spark-submit {text}"
        elif isinstance(sub, ast.List) and any(
            ctx.src.string(e) == "spark-submit" for e in sub.elts
        ):
            command = _command_text(ctx, sub)
            if command:
                yield command


def _copied_into_image(ctx: FileContext, root: Path, written: PurePosixPath) -> Path | None:
    """The project file a container runs as ``/app/extract.py``: the one file of the project
    whose path ends the same way (its Dockerfile copies it there), if exactly one does. The DAG
    file is not the script its own task runs."""
    dag_file = ctx.src.path.resolve()
    for depth in range(len(written.parts) - 1, 0, -1):
        tail = PurePosixPath(*written.parts[-depth:])
        found = [
            p
            for p in _project_files(root, written.name)
            if p.as_posix().endswith(f"/{tail}") and p.resolve() != dag_file
        ]
        if len(found) == 1:
            return found[0].resolve()
        if found:
            return None
    return None


@cache
def _project_files(root: Path, name: str) -> tuple[Path, ...]:
    return tuple(
        p for p in root.rglob(name) if p.is_file() and not (_SKIPPED_FOLDERS & set(p.parts))
    )


def clear_cache() -> None:
    _project_files.cache_clear()
