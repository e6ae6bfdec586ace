"""A parsed DAG file and the name resolution the rules share.

Everything here is static: the file is parsed, never imported, so a DAG that needs Airflow,
credentials or network to import can still be checked.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_trap_check.strings import MAX_DEPTH, StringReading

Scope = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef
FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Binding:
    """One way a name gets a value inside a scope."""

    value: ast.expr
    kind: str  # "assign", "aug", "iter", "with", "default"


class SourceFile(StringReading):
    """One parsed file plus lookups by name, scope and parent."""

    def __init__(self, path: Path, data: bytes, tree: ast.Module):
        self.path = path
        self.text = data.decode("utf-8", errors="replace")
        self.tree = tree
        self.parents: dict[ast.AST, ast.AST] = {}
        # children once per node: the rules walk the same subtrees many times, and
        # ast.iter_child_nodes (a generator over _fields) was most of the checker's time
        self.children: dict[int, list[ast.AST]] = {}
        self.nodes: list[ast.AST] = [tree]
        for node in self.nodes:  # breadth first, the order of ast.walk
            kids = child_nodes(node)
            self.children[id(node)] = kids
            for child in kids:
                self.parents[child] = node
            self.nodes.extend(kids)
        self._walks: dict[int, list[ast.AST]] = {id(tree): self.nodes}
        self._raw_lines = self.text.split("\n")
        self.imports = _collect_imports(self.nodes)
        self.functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        for node in self.nodes:
            if isinstance(node, FUNCTION_TYPES):
                self.functions.setdefault(node.name, []).append(node)
        self._bindings: dict[ast.AST, dict[str, list[Binding]]] = {}
        self._items: dict[ast.AST, dict[str, dict[str, ast.expr]]] = {}
        self._scope_of: dict[ast.AST, Scope] = {}
        self._qualnames: dict[int, str | None] = {}
        self._strings: dict[int, str | None] = {}
        self.output_only: dict[int, bool] = {}  # memo of base.in_output
        self.rule_memo: dict[str, dict[int, Any]] = {}  # a rule's per-node results

    # -- structure -------------------------------------------------------------------------

    def scope_of(self, node: ast.AST) -> Scope:
        """The function (or module) whose local names ``node`` sees first."""
        cached = self._scope_of.get(node)
        if cached is not None:
            return cached
        child, current = node, self.parents.get(node)
        scope: Scope = self.tree
        while current is not None:
            # Decorators, defaults and annotations run in the scope around the def.
            if isinstance(current, FUNCTION_TYPES) and any(child is s for s in current.body):
                scope = current
                break
            child, current = current, self.parents.get(current)
        self._scope_of[node] = scope
        return scope

    def enclosing_scope(self, scope: Scope) -> Scope | None:
        if isinstance(scope, ast.Module):
            return None
        return self.scope_of(scope)

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def kids(self, node: ast.AST) -> list[ast.AST]:
        """``node``'s children (nodes built by a rule, outside the tree, are looked at afresh)."""
        found = self.children.get(id(node))
        return found if found is not None else child_nodes(node)

    def walk(self, node: ast.AST) -> list[ast.AST]:
        """``ast.walk(node)``, remembered: the same functions are walked by several rules."""
        found = self._walks.get(id(node))
        if found is None:
            children = self.children
            found = [node]
            for current in found:
                kids = children.get(id(current))
                found.extend(kids if kids is not None else child_nodes(current))
            self._walks[id(node)] = found
        return found

    def segment(self, node: ast.AST) -> str:
        """Source text of ``node`` (columns are UTF-8 byte offsets, as ast reports them)."""
        try:
            first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
            start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return ast.unparse(node)
        if last is None or end is None or last >= len(self._raw_lines):
            return ast.unparse(node)
        if first == last:
            return self._raw_lines[first].encode()[start:end].decode(errors="replace")
        head = self._raw_lines[first].encode()[start:].decode(errors="replace")
        tail = self._raw_lines[last].encode()[:end].decode(errors="replace")
        return "\n".join([head, *self._raw_lines[first + 1 : last], tail])

    # -- names -----------------------------------------------------------------------------

    def qualname(self, node: ast.AST) -> str | None:
        """Dotted name of ``node``, imports resolved: ``dt.now`` -> ``datetime.datetime.now``."""
        key = id(node)
        if key in self._qualnames:
            return self._qualnames[key]
        name = self._qualname(node)
        if key in self.children:  # a node of this tree: its id is not reused while src lives
            self._qualnames[key] = name
        return name

    def _qualname(self, node: ast.AST) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.imports.get(node.id, node.id)
        return ".".join([head, *reversed(parts)])

    def call_name(self, call: ast.Call) -> str:
        """Qualified name of what is called, or ``.method`` when the receiver is not a name."""
        name = self.qualname(call.func)
        if name is not None:
            return name
        if isinstance(call.func, ast.Attribute):
            return "." + call.func.attr
        return ""

    def bindings(self, scope: Scope) -> dict[str, list[Binding]]:
        table = self._bindings.get(scope)
        if table is None:
            table, items = _collect_bindings(scope, self.kids)
            self._bindings[scope] = table
            self._items[scope] = items
        return table

    def lookup(self, name: str, scope: Scope) -> list[Binding]:
        """Bindings of ``name`` as seen from ``scope``: its own first, then enclosing scopes."""
        current: Scope | None = scope
        while current is not None:
            found = self.bindings(current).get(name)
            if found:
                return found
            current = self.enclosing_scope(current)
        return []

    def item_assignments(self, name: str, scope: Scope) -> dict[str, ast.expr]:
        current: Scope | None = scope
        while current is not None:
            self.bindings(current)
            found = self._items[current].get(name)
            if found:
                return found
            current = self.enclosing_scope(current)
        return {}

    def local_functions(self, call: ast.Call) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """Functions defined in this file that ``call`` may run (by name or ``self.method``)."""
        func = call.func
        # TaskFlow: task.expand(...), task.partial(...), task.override(...)(...)
        if isinstance(func, ast.Attribute) and func.attr in {"expand", "partial"}:
            func = func.value
        if (
            isinstance(func, ast.Call)
            and isinstance(func.func, ast.Attribute)
            and func.func.attr == "override"
        ):
            func = func.func.value
        if isinstance(func, ast.Name) and func.id not in self.imports:
            return self.functions.get(func.id, [])
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in {"self", "cls"}
        ):
            return self.functions.get(func.attr, [])
        return []

    # -- values ----------------------------------------------------------------------------

    def constant(self, node: ast.AST | None, scope: Scope | None = None, depth: int = 0) -> Any:
        """A literal value, following names bound once to a literal; ``None`` when unknown."""
        if node is None or depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self.constant(node.operand, scope, depth + 1)
            if not isinstance(value, int | float) or isinstance(value, bool):
                return None
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Name):
            found = self.lookup(node.id, scope or self.scope_of(node))
            if found and all(b.kind == "assign" for b in found):
                values = [self.constant(b.value, None, depth + 1) for b in found]
                if values[0] is not None and all(v == values[0] for v in values):
                    return values[0]
        return None

    def dict_entries(self, node: ast.AST | None, depth: int = 0) -> dict[str, ast.expr] | None:
        """Keys of a dict built from literals, ``dict(...)``, ``**`` merges and ``|``."""
        if node is None or depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Dict):
            entries: dict[str, ast.expr] = {}
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    merged = self.dict_entries(value, depth + 1)
                    if merged:
                        entries.update(merged)
                elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                    entries[key.value] = value
            return entries
        if isinstance(node, ast.Call) and self.qualname(node.func) == "dict":
            entries = {}
            for arg in node.args:
                merged = self.dict_entries(arg, depth + 1)
                if merged:
                    entries.update(merged)
            for kw in node.keywords:
                if kw.arg is None:
                    merged = self.dict_entries(kw.value, depth + 1)
                    if merged:
                        entries.update(merged)
                else:
                    entries[kw.arg] = kw.value
            return entries
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left = self.dict_entries(node.left, depth + 1) or {}
            right = self.dict_entries(node.right, depth + 1) or {}
            return {**left, **right} if (left or right) else None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "copy"
        ):
            return self.dict_entries(node.func.value, depth + 1)
        if isinstance(node, ast.Name):
            scope = self.scope_of(node)
            found = [b for b in self.lookup(node.id, scope) if b.kind == "assign"]
            if not found:
                return None
            entries = {}
            for binding in found:
                merged = self.dict_entries(binding.value, depth + 1)
                if merged:
                    entries.update(merged)
            entries.update(self.item_assignments(node.id, scope))
            return entries
        return None


def _collect_imports(nodes: list[ast.AST]) -> dict[str, str]:
    imports: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                elif "." not in alias.name:
                    imports[alias.name] = alias.name  # rebinds an earlier `from X import X`
                else:
                    head = alias.name.split(".")[0]
                    imports.setdefault(head, head)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.name != "*":
                    imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return imports


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))`` without the generators."""
    found: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif isinstance(value, list):
            found.extend(item for item in value if isinstance(item, ast.AST))
    return found


def iter_scope(
    scope: ast.AST, kids: Callable[[ast.AST], list[ast.AST]] = child_nodes
) -> Iterator[ast.AST]:
    """Nodes evaluated in ``scope`` itself: nested function bodies are left out, but their
    decorators and default values (evaluated where the ``def`` runs) are included."""
    stack: list[ast.AST] = list(scope.body) if hasattr(scope, "body") else [scope]
    stack.reverse()
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, FUNCTION_TYPES):
            children: list[ast.AST] = [*node.decorator_list, *node.args.defaults]
            children.extend(d for d in node.args.kw_defaults if d is not None)
        else:
            children = kids(node)
        stack.extend(reversed(children))


def _collect_bindings(
    scope: Scope, kids: Callable[[ast.AST], list[ast.AST]]
) -> tuple[dict[str, list[Binding]], dict[str, dict[str, ast.expr]]]:
    table: dict[str, list[Binding]] = {}
    items: dict[str, dict[str, ast.expr]] = {}

    def bind(target: ast.AST, value: ast.expr, kind: str) -> None:
        if isinstance(target, ast.Name):
            table.setdefault(target.id, []).append(Binding(value, kind))
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
                    bind(sub_target, sub_value, kind)
            else:
                for sub_target in target.elts:
                    bind(sub_target, value, kind)
        elif isinstance(target, ast.Starred):
            bind(target.value, value, kind)
        elif isinstance(target, ast.Attribute):
            name = dotted(target)
            if name:
                table.setdefault(name, []).append(Binding(value, kind))
        elif (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and isinstance(target.slice, ast.Constant)
            and isinstance(target.slice.value, str)
        ):
            items.setdefault(target.value.id, {})[target.slice.value] = value

    if isinstance(scope, FUNCTION_TYPES):
        args = scope.args
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(
            positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
        ):
            table.setdefault(arg.arg, []).append(Binding(default, "default"))
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if default is not None:
                table.setdefault(arg.arg, []).append(Binding(default, "default"))

    for node in iter_scope(scope, kids):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                bind(target, node.value, "assign")
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            bind(node.target, node.value, "assign")
        elif isinstance(node, ast.AugAssign):
            bind(node.target, node.value, "aug")
        elif isinstance(node, ast.NamedExpr):
            bind(node.target, node.value, "assign")
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            bind(node.target, node.iter, "iter")
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    bind(item.optional_vars, item.context_expr, "with")
    return table, items


def dotted(node: ast.AST) -> str | None:
    """``self.day`` style names, used as variables when they are assigned and read."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None
