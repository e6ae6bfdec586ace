"""TP008: paths that exist on one machine only.

Strings (including f-strings, defaults and shell commands) that hold an absolute ``/tmp`` path,
a home directory (``/Users/<name>``, ``/home/<name>``, ``~/...``), a Codespaces or dev container
workspace (``/workspaces/<repo>/...``), a removable or extra disk the desktop mounts for its user
(``/media/<user>/<disk>/...``) or a WSL drive (``/mnt/c/...``), or a Windows drive path, and
``expanduser("~...")`` / ``Path.home()`` calls and reads of the ``HOME`` variable
(``os.getenv("HOME")``, decouple's ``config("HOME")``). A worker's /tmp is not shared with the
next task's worker, and a home directory is not there in a container or on a colleague's machine.
The official Airflow image's user home (``/home/airflow``, where ``pip install --user`` puts dbt) is
part of the image, so it exists on every worker. URLs (``s3://bucket/tmp/x``), docstrings and
log messages are not paths being used, and neither is a path inside a folder the project's
compose file mounts into the container (``./workdir:/home/workdir``): every container that runs
a task has it.
"""

from __future__ import annotations

import ast
import re

from airflow_trap_check.base import FileContext, in_output, is_docstring, is_pattern
from airflow_trap_check.source import SourceFile
from airflow_trap_check.syspath import compose_mounts

_HOST_PATH = re.compile(
    r"(?:^|(?<=[\s'\"=:,;(|>]))"
    r"(?P<path>/tmp(?=/|$|[\s'\";])\S*|/private/tmp/\S*|/var/tmp/\S*|/Users/[^/\s'\"]+\S*|"
    r"/home/(?!airflow(?=/|$|[\s'\";]))[^/\s'\"{}]+\S*|/workspaces/[^/\s'\"{}]+\S*|"
    r"(?:/run)?/media/[^/\s'\"{}]+/\S+|/mnt/[a-z]/\S+|"
    r"~/(?!\.local/(bin|lib)(?=/|$|[\s'\";]))\S+|[A-Za-z]:\\\S*|[A-Za-z]:/(?!/)\S*)"
)
# pip's user-install prefix: the Airflow image's user has it (/home/airflow/.local/bin holds
# what `pip install --user` put there), so it is a place for tools, not one machine's files
_USER_PREFIX = re.compile(r"~/\.local/(bin|lib)(/|$)")
_WINDOWS_TEST = re.compile(
    r"sys\.platform(\.startswith\(|\s*==\s*)['\"]win|os\.name\s*==\s*['\"]nt['\"]"
    r"|platform\.system\(\)\s*==\s*['\"]Windows['\"]"
)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_AIRFLOW_DEFAULT_HOME = "~/airflow"


def check(ctx: FileContext) -> None:
    src = ctx.src
    mounted = tuple(compose_mounts(ctx.project_root)) if ctx.project_root else ()
    for node in src.nodes:
        if isinstance(node, ast.Constant | ast.JoinedStr):
            if not isinstance(node, ast.JoinedStr) and not isinstance(node.value, str):
                continue
            if isinstance(src.parents.get(node), ast.JoinedStr):
                continue
            if is_docstring(src, node) or in_output(src, node) or is_pattern(src, node):
                continue
            text = src.string(node) or ""
            if _URL.match(text.strip()) or _airflow_home_default(src, node, text):
                continue
            match = next(
                (
                    m
                    for m in _HOST_PATH.finditer(text)
                    if not _unused_dir(text, m) and not _inside(m.group("path"), mounted)
                ),
                None,
            )
            if match and not _windows_only(src, node):
                path = match.group("path").rstrip("'\",;)")
                shown = path if len(path) <= 50 else path[:47] + "..."
                ctx.report(
                    "TP008",
                    node,
                    f"host path `{shown}` only exists on the machine it was written for; another "
                    "worker, a container or a colleague will not see the same file",
                )
        elif isinstance(node, ast.Call):
            name = src.call_name(node)
            if name.endswith("expanduser") and name.startswith(("os.path", "posixpath", ".")):
                if name == ".expanduser" and not node.args:
                    target = node.func.value  # type: ignore[attr-defined]
                else:
                    target = node.args[0] if node.args else None
                text = src.string(target) if target is not None else None
                if (
                    (text or "").startswith("~")
                    and not _airflow_home_default(src, node, text)
                    and not _USER_PREFIX.match(text or "")
                    and not _windows_only(src, node)
                ):
                    ctx.report(
                        "TP008",
                        node,
                        "`expanduser()` ties the path to the home directory of whoever runs the "
                        "task",
                    )
            elif _reads_home(src, node) and not _windows_only(src, node):
                ctx.report(
                    "TP008",
                    node,
                    "the `HOME` environment variable ties the path to the home directory of "
                    "whoever runs the task",
                )
            elif name.endswith("Path.home") and not _windows_only(src, node):
                ctx.report(
                    "TP008",
                    node,
                    "`Path.home()` ties the path to the home directory of whoever runs the task",
                )


def _reads_home(src: SourceFile, call: ast.Call) -> bool:
    """``os.getenv("HOME")``, ``os.environ.get("HOME")``, decouple's ``config("HOME")``."""
    name = src.call_name(call)
    if not name.endswith(("getenv", "environ.get", "decouple.config")) or not call.args:
        return False
    return src.string(call.args[0]) == "HOME"


def _inside(path: str, folders: tuple[str, ...]) -> bool:
    return any(path == folder or path.startswith(folder + "/") for folder in folders)


_MKDIR = re.compile(r"\bmkdir\s+(?:-\w+\s+)*$")


def _unused_dir(text: str, match: re.Match[str]) -> bool:
    """A shell command that only creates the directory (``mkdir -p ~/x``) and never uses it."""
    if not _MKDIR.search(text[: match.start()]):
        return False
    path = match.group("path").rstrip("'\",;)&|")
    rest = text[: match.start()] + text[match.end() :]
    return path.rstrip("/") not in rest


def _airflow_home_default(src: SourceFile, node: ast.AST, text: str | None) -> bool:
    """``~/airflow`` standing in for an unset AIRFLOW_HOME: Airflow's own rule, not a host path."""
    if (text or "").rstrip("/") != _AIRFLOW_DEFAULT_HOME:
        return False
    statement = next(a for a in (node, *src.ancestors(node)) if isinstance(a, ast.stmt))
    return "AIRFLOW_HOME" in ast.unparse(statement)


def _windows_only(src: SourceFile, node: ast.AST) -> bool:
    """Under ``if sys.platform.startswith("win"):`` (or ``os.name == "nt"``): Airflow workers run
    on Linux or macOS, so the branch never runs where the task does."""
    child = node
    for ancestor in src.ancestors(node):
        if (
            isinstance(ancestor, ast.If)
            and any(child is s for s in ancestor.body)
            and _WINDOWS_TEST.search(ast.unparse(ancestor.test))
        ):
            return True
        child = ancestor
    return False
