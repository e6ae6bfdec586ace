"""Methods of the project's own classes, reached through an object a function makes."""

from __future__ import annotations

import ast
from pathlib import Path

from airflow_trap_check import project
from airflow_trap_check.source import SourceFile


def instance_method(
    src: SourceFile,
    func: ast.AST,
    imported: dict[str, tuple[str, str | None]],
    folders: list[Path],
    root: Path | None,
) -> tuple[SourceFile, ast.FunctionDef | ast.AsyncFunctionDef, str] | None:
    """``loader.save_raw(...)`` where ``loader = Loader(...)``, a project class made in the
    same function: that class's method, and the call as written."""
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    receiver = func.value.id
    bindings = src.lookup(receiver, src.scope_of(func))
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    made = bindings[0].value
    if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Name)):
        return None
    module, attr = imported.get(made.func.id, ("", None))
    found = project.definition_in(module, attr, folders, root) if attr is not None else None
    if found is None or not isinstance(found[1], ast.ClassDef):
        return None
    method = project.class_method(found[1], func.attr)
    return (found[0], method, f"{receiver}.{func.attr}") if method is not None else None
