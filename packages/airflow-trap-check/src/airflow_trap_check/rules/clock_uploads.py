"""TP001: a file named by the clock's day that the same module later stores as an object.

``write_csv()`` saves ``f"{self.folder}transfers_{datetime.now():%Y_%m_%d}.csv"`` and
``upload_all()`` globs ``self.folder + "*.csv"`` and hands each file to ``load_file(key=...)``:
the object the run stores is named by the day the wall clock shows, not by the run's interval,
even though no single call both names and uploads the file. A folder that is only written, or
only cleaned up (``os.remove``), is left alone.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from airflow_trap_check.rules.clock_terms import ARCHIVE_PATH
from airflow_trap_check.rules.clock_windows import to_the_second
from airflow_trap_check.source import FUNCTION_TYPES, SourceFile, dotted

if TYPE_CHECKING:
    from airflow_trap_check.rules.clock import _ClockFlow as ClockFlow

OBJECT_UPLOADS = frozenset(
    {"load_file", "upload_file", "put_object", "upload_fileobj", "upload_from_filename"}
)
LISTINGS = frozenset({"glob.glob", "glob.iglob", "os.listdir", "os.scandir"})


def self_methods(src: SourceFile, definition: ast.AST) -> list[ast.AST]:
    """The functions of the same module ``definition`` calls, by name (``extract()``) or as
    ``self.name(...)``, and those they call in turn: all run when it runs."""
    methods: list[ast.AST] = []
    todo = [definition]
    while todo and len(methods) < 50:
        for node in ast.walk(todo.pop()):
            if isinstance(node, ast.Call) and (
                isinstance(node.func, ast.Name)
                or (
                    isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "self"
                )
            ):
                new = [f for f in src.local_functions(node) if f is not definition]
                new = [f for f in new if f not in methods]
                methods.extend(new)
                todo.extend(new)
    return methods


def written_for_upload(flow: ClockFlow, source: ast.Call) -> bool:
    """``source`` names a file inside a folder the module lists and stores as objects."""
    src = flow.src
    folders = _uploaded_folders(src)
    if not folders or to_the_second(src, source):  # unique per try: no period
        return False
    scope = src.scope_of(source)
    while scope is not None and not isinstance(scope, FUNCTION_TYPES):
        scope = src.enclosing_scope(scope)
    if scope is None:
        return False
    for node in src.walk(scope):
        if (
            isinstance(node, ast.BinOp | ast.JoinedStr | ast.Call)
            and _leading(src, node, scope) in folders
            and source in flow.taint(node, scope)
        ):
            return True
    return False


def _uploaded_folders(src: SourceFile) -> set[str]:
    memo = src.rule_memo.setdefault("clock_uploads", {})
    if "folders" not in memo:
        folders: set[str] = set()
        for node in src.nodes:
            if not (isinstance(node, ast.For) and isinstance(node.iter, ast.Call)):
                continue
            if src.call_name(node.iter) not in LISTINGS or not node.iter.args:
                continue
            uploads = any(
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Attribute)
                and inner.func.attr in OBJECT_UPLOADS
                for statement in node.body
                for inner in ast.walk(statement)
            )
            folder = _leading(src, node.iter.args[0], src.scope_of(node))
            if uploads and folder and not ARCHIVE_PATH.search(folder):
                folders.add(folder)
        memo["folders"] = folders
    return memo["folders"]


def _leading(src: SourceFile, expr: ast.AST, scope, depth: int = 0) -> str | None:
    """The folder a path expression starts with, as written: ``self.local_path`` of
    ``self.local_path + name``, ``f"{self.local_path}{name}"`` or ``os.path.join(...)``."""
    if depth > 3:
        return None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _leading(src, expr.left, scope, depth + 1)
    if isinstance(expr, ast.JoinedStr) and expr.values:
        first = expr.values[0]
        return (
            _leading(src, first.value, scope, depth + 1)
            if isinstance(first, ast.FormattedValue)
            else None
        )
    if isinstance(expr, ast.Call):
        if src.call_name(expr) == "os.path.join" and expr.args:
            return _leading(src, expr.args[0], scope, depth + 1)
        return None
    if isinstance(expr, ast.Name) and scope is not None:
        bindings = src.lookup(expr.id, scope)
        if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
            found = _leading(src, bindings[0].value, scope, depth + 1)
            if found is not None:
                return found
    if isinstance(expr, ast.Attribute):
        return dotted(expr)
    return None
