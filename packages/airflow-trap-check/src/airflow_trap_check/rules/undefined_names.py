"""TP007: a name the module uses while it is imported but never binds raises NameError.

Module-level code (and the body of a ``with DAG(...)`` block, an ``if``, a ``for``) runs when
the scheduler imports the file, so ``extract >> t1 >> load`` with no ``t1`` anywhere fails the
import and the DAG never appears. Only names that nothing in the module binds (an assignment,
import, ``def``, ``class``, loop or ``with`` target, a function's ``global``) and that are no
builtin are reported. Function and lambda bodies run later and are not looked at (their
decorators and defaults are), nor are class bodies, code under ``try`` (it may catch the
NameError) or ``if __name__ == "__main__"``. A file read only after blanking lines this
Python cannot parse (a 3.12 f-string) may have lost the binding and is skipped. A module that
star-imports, or touches ``globals()``/``vars()``/``exec``/``__builtins__``, can bind names
this cannot see and is skipped.
"""

from __future__ import annotations

import ast
import builtins

from airflow_trap_check.base import FileContext

_KNOWN = frozenset(dir(builtins)) | {
    "__file__",
    "__name__",
    "__doc__",
    "__spec__",
    "__loader__",
    "__package__",
    "__path__",
    "__builtins__",
    "__annotations__",
    "__dict__",
    "__cached__",
}
_DYNAMIC = frozenset({"globals", "vars", "exec", "eval", "locals", "__builtins__", "setattr"})


def _bound(nodes: list[ast.AST]) -> set[str] | None:
    """Every name the module binds anywhere, or None when it may bind names unseen."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store | ast.Del):
                names.add(node.id)
            elif node.id in _DYNAMIC:
                return None
        elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return None
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return names


def _main_guard(node: ast.If) -> bool:
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def _import_time_loads(body: list[ast.stmt]) -> list[ast.Name]:
    """Names read by the statements that run when the module is imported."""
    found: list[ast.Name] = []

    def expression(node: ast.AST | None) -> None:
        if node is None:
            return
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, ast.Lambda):
                stack.extend(item.args.defaults)
                stack.extend(d for d in item.args.kw_defaults if d is not None)
                continue
            if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Load):
                found.append(item)
            stack.extend(ast.iter_child_nodes(item))

    def statements(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                for part in (*stmt.decorator_list, *stmt.args.defaults, *stmt.args.kw_defaults):
                    expression(part)
            elif isinstance(stmt, ast.ClassDef):
                for part in (*stmt.decorator_list, *stmt.bases, *stmt.keywords):
                    expression(part)
            elif isinstance(stmt, ast.Try | ast.TryStar):
                statements(stmt.finalbody)
            elif isinstance(stmt, ast.If):
                if not _main_guard(stmt):
                    expression(stmt.test)
                    statements(stmt.body)
                    statements(stmt.orelse)
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                for item in stmt.items:
                    expression(item.context_expr)
                statements(stmt.body)
            elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
                expression(stmt.iter if not isinstance(stmt, ast.While) else stmt.test)
                statements(stmt.body)
                statements(stmt.orelse)
            elif isinstance(stmt, ast.Expr | ast.Assign | ast.AugAssign | ast.Return):
                expression(stmt.value)
                if isinstance(stmt, ast.Assign | ast.AugAssign):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    for target in targets:
                        for sub in ast.walk(target):
                            if isinstance(sub, ast.Attribute | ast.Subscript):
                                expression(sub.value)
            elif isinstance(stmt, ast.AnnAssign):
                expression(stmt.value)

    statements(body)
    return found


def _read_as_written(ctx: FileContext) -> bool:
    """The tree is the file's own, not one salvaged by blanking lines newer Python accepts."""
    try:
        on_disk = ctx.src.path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return False
    return on_disk == ctx.src.text


def check(ctx: FileContext) -> None:
    tree = ctx.src.tree
    if not isinstance(tree, ast.Module) or not ctx.model.dags:
        return
    bound = _bound(ctx.src.nodes)
    if bound is None:
        return
    seen: set[str] = set()
    for name in _import_time_loads(tree.body):
        if name.id in bound or name.id in _KNOWN or name.id in seen:
            continue
        seen.add(name.id)
        if not _read_as_written(ctx):
            return
        ctx.report(
            "TP007",
            name,
            f"`{name.id}` is used while the file is imported but nothing in the module defines "
            "or imports it: the import raises NameError, so the DAG never loads",
        )
