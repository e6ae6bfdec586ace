"""Functions of an imported project module that nothing the DAG imports from it runs.

``from helpers import load`` runs ``load`` and what it calls, and the module's top-level code;
another function of ``helpers`` that neither calls is never run by this DAG, so a host path
written in it is not one the DAG uses.
"""

from __future__ import annotations

import ast
from pathlib import Path

from airflow_trap_check import project
from airflow_trap_check.dags import AirflowModel

# A host path matters only in code that runs: one in a function nothing imported calls is unused.
USED_ONLY_CODES = frozenset({"TP008"})


def unused_functions(statement: ast.Import | ast.ImportFrom, file: Path) -> list[tuple[int, int]]:
    """Line spans of the top-level functions of ``file`` that neither the names ``from file
    import a, b`` brings in nor the module's own top-level code call; none when the statement
    brings in anything but functions (a class, a constant, the module itself)."""
    if not isinstance(statement, ast.ImportFrom) or any(a.name == "*" for a in statement.names):
        return []
    src = project.parsed(file)
    if src is None:
        return []
    top = {
        node.name: node
        for node in src.tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    if not all(alias.name in top for alias in statement.names):
        return []
    roots: list[ast.AST] = [top[alias.name] for alias in statement.names]
    roots.extend(
        node
        for node in src.tree.body
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    )
    reached = {id(node) for node in AirflowModel(src).closure(roots)}
    return [
        (node.lineno, node.end_lineno or node.lineno)
        for node in top.values()
        if id(node) not in reached
    ]


def inside(line: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= line <= end for start, end in spans)
