"""Folders a DAG file puts on ``sys.path`` itself, found in the project.

Course and portfolio DAGs reach their helpers with ``sys.path.append("../scripts/")`` or
``sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "include"))``. An entry
built from ``__file__`` is evaluated; a relative string is resolved against the working
directory, which the file cannot know, so every folder from the DAG's own up to the project root
is tried. What resolves inside the project is searched for modules like the dags folder is; what
does not leaves the file's imports unknown rather than unresolvable.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from airflow_trap_check.base import folders_up_to_root, inside_project
from airflow_trap_check.source import SourceFile

_SYS_PATH_CALLS = frozenset({"sys.path.insert", "sys.path.append"})
_DIRNAME = frozenset({"os.path.dirname"})
_RESOLVE = frozenset({"os.path.abspath", "os.path.realpath", "os.path.normpath"})
_JOIN = frozenset({"os.path.join"})
_PATH_TYPES = frozenset({"pathlib.Path", "Path", "pathlib.PurePath"})
_ABSOLUTE = re.compile(r"^(/|[A-Za-z]:[\\/]|~)")
# `- ./include:/opt/airflow/include` (optionally `:ro`), `${AIRFLOW_PROJ_DIR:-.}/dags:/opt/...`
_VOLUME = re.compile(
    r"^\s*-\s*['\"]?(?:\$\{\w+:-(?P<base>[^}]*)\})?(?P<host>[.\w/-]*):(?P<container>/[\w./-]+)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class SysPathEntry:
    node: ast.stmt
    written: str | None  # the literal path as written, when it is one
    folders: tuple[Path, ...]  # where it lands inside the project

    @property
    def is_host_path(self) -> bool:
        """An absolute path that is no folder of the project mounted into the image."""
        return self.written is not None and bool(_ABSOLUTE.match(self.written)) and not self.folders


def sys_path_entry(src: SourceFile, statement: ast.stmt, root: Path | None) -> SysPathEntry | None:
    """The entry a module-level ``sys.path.insert``/``append`` statement adds, if it is one."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return None
    call = statement.value
    if src.call_name(call) not in _SYS_PATH_CALLS or not call.args:
        return None
    value = call.args[-1]
    written = _literal(value)
    if written is None and isinstance(value, ast.Name):
        written = src.constant(value)  # BASE_DIR = "/Users/me/project"; sys.path.append(BASE_DIR)
    if isinstance(written, str):
        if _ABSOLUTE.match(written):
            return SysPathEntry(statement, written, _mounted_folders(written, root))
        return SysPathEntry(statement, written, _relative_folders(src, written, root))
    evaluated = _path_of(src, value, 0)
    folders = (evaluated.resolve(),) if evaluated is not None else ()
    return SysPathEntry(statement, None, tuple(f for f in folders if inside_project(f, root)))


def project_sys_path(src: SourceFile, root: Path | None) -> tuple[Path, ...]:
    """Project folders the file's own module-level ``sys.path`` entries add."""
    folders: list[Path] = []
    for statement in src.tree.body:
        entry = sys_path_entry(src, statement, root)
        if entry is not None:
            folders.extend(f for f in entry.folders if f not in folders)
    return tuple(folders)


def _literal(node: ast.expr) -> object:
    """A string constant, or an f-string without placeholders (``f'../scripts/'``)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(str(v.value) for v in node.values)  # type: ignore[attr-defined]
    return None


def _mounted_folders(written: str, root: Path | None) -> tuple[Path, ...]:
    """The project folder a container path is mounted from (``- ./:/opt/airflow/project`` in
    the project's compose file), when one is."""
    if root is None:
        return ()
    path = written.rstrip("/")
    for container, host in compose_mounts(root).items():
        if path == container or path.startswith(container + "/"):
            folder = (host / path[len(container) :].lstrip("/")).resolve()
            if folder.is_dir() and inside_project(folder, root):
                return (folder,)
    return ()


@cache
def compose_mounts(root: Path) -> dict[str, Path]:
    """Container path -> project folder, from the volumes of the project's compose files."""
    mounts: dict[str, Path] = {}
    for compose in [*root.glob("*compose*.y*ml"), *root.glob("*/*compose*.y*ml")]:
        try:
            text = compose.read_text(errors="replace")
        except OSError:
            continue
        for match in _VOLUME.finditer(text):
            host = (match.group("base") or "") + match.group("host")
            folder = (compose.parent / host).resolve() if host.startswith(".") else None
            if folder is not None and inside_project(folder, root):
                mounts.setdefault(match.group("container").rstrip("/"), folder)
    return mounts


def _relative_folders(src: SourceFile, written: str, root: Path | None) -> tuple[Path, ...]:
    found = []
    for start in folders_up_to_root(src.path.parent, root):
        candidate = (start / written).resolve()
        if candidate.is_dir() and inside_project(candidate, root) and candidate not in found:
            found.append(candidate)
    return tuple(found)


def _path_of(src: SourceFile, node: ast.AST, depth: int) -> Path | None:
    """The path a small expression over ``__file__`` evaluates to, or None when unknown."""
    if depth > 8:
        return None
    if isinstance(node, ast.Name):
        if node.id == "__file__":
            return src.path
        bound = src.lookup(node.id, src.scope_of(node))
        if len(bound) == 1 and bound[0].kind == "assign":
            return _path_of(src, bound[0].value, depth + 1)
        return None
    if isinstance(node, ast.Call):
        return _called_path(src, node, depth)
    if isinstance(node, ast.Attribute):
        base = _path_of(src, node.value, depth + 1)
        if base is None:
            return None
        if node.attr == "parent":
            return base.parent
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
        base = _path_of(src, node.value.value, depth + 1)
        index = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if base is not None and node.value.attr == "parents" and isinstance(index, int):
            parents = base.parents
            return parents[index] if index < len(parents) else None
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        base = _path_of(src, node.left, depth + 1)
        part = node.right.value if isinstance(node.right, ast.Constant) else None
        return base / part if base is not None and isinstance(part, str) else None
    return None


def _called_path(src: SourceFile, call: ast.Call, depth: int) -> Path | None:
    name = src.call_name(call)
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in {"resolve", "absolute"} and not call.args:
        return _path_of(src, func.value, depth + 1)
    if not call.args:
        return None
    first = _path_of(src, call.args[0], depth + 1)
    if first is None:
        return None
    if name in _DIRNAME:
        return first.parent
    if name in _RESOLVE or name in _PATH_TYPES or name == "str":
        return first
    if name in _JOIN:
        parts = [a.value for a in call.args[1:] if isinstance(a, ast.Constant)]
        if len(parts) != len(call.args) - 1 or not all(isinstance(p, str) for p in parts):
            return None
        return first.joinpath(*parts)
    return None
