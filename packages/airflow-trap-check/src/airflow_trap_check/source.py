"""A parsed DAG file and the name resolution the rules share.

Everything here is static: the file is parsed, never imported, so a DAG that needs Airflow,
credentials or network to import can still be checked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Scope = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef
FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)

# Methods of str that keep the text recognisable (SQL stays SQL after .strip() or .format()).
_STR_METHODS = frozenset(
    {
        "format",
        "format_map",
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "replace",
        "removeprefix",
        "removesuffix",
        "encode",
        "expandtabs",
    }
)
_STR_WRAPPERS = frozenset(
    {
        "textwrap.dedent",
        "dedent",
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "text",
        "str",
        # psycopg's safe composition keeps the statement readable as text
        "psycopg2.sql.SQL",
        "psycopg2.sql.Identifier",
        "psycopg2.sql.Literal",
        "psycopg.sql.SQL",
        "psycopg.sql.Identifier",
        "psycopg.sql.Literal",
    }
)
_MAX_DEPTH = 8

# Python 3.12 syntax (PEP 701 f-strings, PEP 695 generics) does not parse on 3.11; such errors
# say nothing about whether the DAG imports under the Python that Airflow actually runs.
_NEWER_SYNTAX = re.compile(r"^f-string|expected '\('|invalid syntax")


@dataclass(frozen=True)
class Binding:
    """One way a name gets a value inside a scope."""

    value: ast.expr
    kind: str  # "assign", "aug", "iter", "with", "default"


class SourceFile:
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
        if node is None or depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self.constant(node.operand, scope, depth + 1)
            return -value if isinstance(value, int | float) else None
        if isinstance(node, ast.Name):
            found = self.lookup(node.id, scope or self.scope_of(node))
            if found and all(b.kind == "assign" for b in found):
                values = [self.constant(b.value, None, depth + 1) for b in found]
                if values[0] is not None and all(v == values[0] for v in values):
                    return values[0]
        return None

    def dict_entries(self, node: ast.AST | None, depth: int = 0) -> dict[str, ast.expr] | None:
        """Keys of a dict built from literals, ``dict(...)``, ``**`` merges and ``|``."""
        if node is None or depth > _MAX_DEPTH:
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

    def string(
        self, node: ast.AST | None, depth: int = 0, seen: frozenset[str] = frozenset()
    ) -> str | None:
        """Approximate text of a string expression; unknown parts become ``{name}``.

        Follows names, f-strings, concatenation, ``%``/``.format`` templates, ``os.path.join``,
        ``textwrap.dedent``/``text()`` wrappers and functions in this file that return strings,
        so SQL kept in a constant or built by a helper is still seen as SQL.
        """
        if node is None or depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        key = id(node)
        if depth == 0 and not seen and key in self.children:
            if key not in self._strings:
                self._strings[key] = self._string(node, 0, seen)
            return self._strings[key]
        return self._string(node, depth, seen)

    def _string(self, node: ast.AST, depth: int, seen: frozenset[str]) -> str | None:
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                elif isinstance(value, ast.FormattedValue):
                    inner = None
                    if isinstance(value.value, ast.Name):
                        inner = self._simple_string(value.value, depth + 1, seen)
                    parts.append(inner if inner is not None else "{" + _label(value.value) + "}")
            return "".join(parts)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add | ast.Div):
                left = self.string(node.left, depth + 1, seen)
                right = self.string(node.right, depth + 1, seen)
                if left is None and right is None:
                    return None
                glue = "/" if isinstance(node.op, ast.Div) else ""
                left_text = left if left is not None else "{" + _label(node.left) + "}"
                right_text = right if right is not None else "{" + _label(node.right) + "}"
                return left_text + glue + right_text
            if isinstance(node.op, ast.Mod):
                return self.string(node.left, depth + 1, seen)
            return None
        if isinstance(node, ast.IfExp):
            texts = [self.string(n, depth + 1, seen) for n in (node.body, node.orelse)]
            known = [t for t in texts if t is not None]
            return ";\n".join(known) if known else None
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            texts = [self.string(n, depth + 1, seen) for n in node.elts]
            known = [t for t in texts if t is not None]
            return ";\n".join(known) if known else None
        if isinstance(node, ast.Call):
            return self._call_string(node, depth, seen)
        if isinstance(node, ast.Name):
            if node.id in seen:
                return None
            texts = []
            for binding in self.lookup(node.id, self.scope_of(node)):
                text = None
                if binding.kind in {"assign", "aug", "iter"}:
                    text = self.string(binding.value, depth + 1, seen | {node.id})
                if text is not None and text not in texts:
                    texts.append(text)
            return ";\n".join(texts) if texts else None
        if isinstance(node, ast.Subscript):
            entries = self.dict_entries(node.value)
            key = node.slice
            if entries and isinstance(key, ast.Constant) and key.value in entries:
                return self.string(entries[key.value], depth + 1, seen)
            if entries and not isinstance(key, ast.Constant):
                texts = [self.string(v, depth + 1, seen) for v in entries.values()]
                known = [t for t in texts if t is not None]
                return ";\n".join(known) if known else None
            return None
        if isinstance(node, ast.Attribute):
            # Module-level class constants (``Queries.INSERT``) hold SQL as often as plain names.
            for cls in self.tree.body:
                if isinstance(cls, ast.ClassDef) and self.qualname(node.value) == cls.name:
                    for stmt in cls.body:
                        if (
                            isinstance(stmt, ast.Assign)
                            and len(stmt.targets) == 1
                            and isinstance(stmt.targets[0], ast.Name)
                            and stmt.targets[0].id == node.attr
                        ):
                            return self.string(stmt.value, depth + 1, seen)
        return None

    def string_root(self, node: ast.AST) -> ast.AST:
        """The outermost expression that still is ``node``'s text: through ``text()``/``SQL()``
        wrappers and ``.format()``/``.strip()`` calls, where the table name may be filled in."""
        while True:
            parent = self.parents.get(node)
            if (
                isinstance(parent, ast.Call)
                and parent.args
                and parent.args[0] is node
                and self.qualname(parent.func) in _STR_WRAPPERS
            ):
                node = parent
                continue
            if (
                isinstance(parent, ast.Attribute)
                and parent.attr in _STR_METHODS
                and isinstance(self.parents.get(parent), ast.Call)
            ):
                node = self.parents[parent]
                continue
            return node

    def _fill_format(self, template: str, call: ast.Call, depth: int, seen: frozenset[str]) -> str:
        """Put known arguments of ``.format(...)`` into the template (table names, mostly)."""
        text = template
        for kw in call.keywords:
            if kw.arg and "{" + kw.arg + "}" in text:
                value = self.string(kw.value, depth + 1, seen)
                if value is not None and "\n" not in value and len(value) < 200:
                    text = text.replace("{" + kw.arg + "}", value)
        for index, arg in enumerate(call.args):
            value = self.string(arg, depth + 1, seen)
            if value is None or "\n" in value or len(value) >= 200:
                continue
            if "{" + str(index) + "}" in text:
                text = text.replace("{" + str(index) + "}", value)
            elif "{}" in text:
                text = text.replace("{}", value, 1)
        return text

    def _simple_string(self, node: ast.Name, depth: int, seen: frozenset[str]) -> str | None:
        """Inline a name into an f-string only when it is a plain constant everywhere."""
        found = self.lookup(node.id, self.scope_of(node))
        if not found or any(b.kind != "assign" for b in found):
            return None
        texts = {self.string(b.value, depth, seen | {node.id}) for b in found}
        if len(texts) == 1:
            (text,) = texts
            if text is not None and "\n" not in text and len(text) < 200:
                return text
        return None

    def _call_string(self, node: ast.Call, depth: int, seen: frozenset[str]) -> str | None:
        func = node.func
        name = self.qualname(func)
        if isinstance(func, ast.Attribute) and func.attr in _STR_METHODS:
            receiver = self.string(func.value, depth + 1, seen)
            if receiver is not None and func.attr == "format":
                return self._fill_format(receiver, node, depth, seen)
            if receiver is not None:
                return receiver
        if isinstance(func, ast.Attribute) and func.attr == "join":
            joiner = self.string(func.value, depth + 1, seen)
            if joiner is not None and node.args:
                parts = self.string(node.args[0], depth + 1, seen)
                return parts.replace(";\n", joiner) if parts is not None else None
        if name in _STR_WRAPPERS and node.args:
            return self.string(node.args[0], depth + 1, seen)
        if name in {"os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePosixPath"}:
            parts = [self.string(arg, depth + 1, seen) for arg in node.args]
            if all(part is None for part in parts):
                return None
            return "/".join(
                p if p is not None else "{" + _label(a) + "}"
                for p, a in zip(parts, node.args, strict=True)
            )
        texts = []
        for function in self.local_functions(node):
            for sub in self.walk(function):
                if isinstance(sub, ast.Return) and sub.value is not None:
                    text = self.string(sub.value, depth + 1, seen | {function.name})
                    if text is not None:
                        texts.append(text)
        if texts and not any(f.name in seen for f in self.local_functions(node)):
            return ";\n".join(texts)
        return None


def _label(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _label(node.func)
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        return _label(node.value)
    return ""


def _collect_imports(nodes: list[ast.AST]) -> dict[str, str]:
    imports: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
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


def parse(path: Path, data: bytes) -> tuple[SourceFile | None, SyntaxError | None]:
    """Parse ``data``; on a syntax error return it, after trying to salvage or repair the file.

    A PEP 701 f-string (Python 3.12) is valid for the Python Airflow runs but not for this one;
    blanking the offending lines keeps the rest of the file checkable instead of guessing, and
    no error is returned. A function or block left with only comments as its body fails on
    every Python: the error is returned, together with the file read as if each such body were
    ``pass``, so what the rest of the file does is still checked.
    """
    try:
        tree = ast.parse(data, filename=str(path))
    except SyntaxError as error:
        salvaged = _salvage(data, error)
        if salvaged is not None:
            tree, text = salvaged
            # positions refer to the salvaged text, so that is the text segments are cut from
            return SourceFile(path, text, tree), None
        repaired = _fill_empty_bodies(data, error)
        if repaired is None:
            return None, error
        tree, text = repaired
        return SourceFile(path, text, tree), error
    except ValueError as error:  # null bytes
        return None, SyntaxError(str(error), (str(path), 1, 1, ""))
    return SourceFile(path, data, tree), None


_EMPTY_BODY = re.compile(r"^expected an indented block after .* on line (\d+)")


def _fill_empty_bodies(data: bytes, error: SyntaxError) -> tuple[ast.Module, bytes] | None:
    """``def f():`` followed by nothing but comments, read as ``def f(): pass``."""
    lines = data.decode("utf-8", errors="replace").splitlines()
    for _ in range(10):
        match = _EMPTY_BODY.match(error.msg or "")
        if match is None or not 0 < int(match.group(1)) <= len(lines):
            return None
        index = int(match.group(1)) - 1
        header = lines[index].rstrip()
        if not header.endswith(":"):
            return None  # a comment after the colon, or a header over several lines
        lines[index] = header + " pass"  # same line numbers, so positions stay true
        candidate = "\n".join(lines).encode()
        try:
            return ast.parse(candidate), candidate
        except SyntaxError as again:
            error = again
    return None


def _salvage(data: bytes, error: SyntaxError) -> tuple[ast.Module, bytes] | None:
    if not _NEWER_SYNTAX.search(error.msg or ""):
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    first_line = lines[error.lineno - 1] if error.lineno and error.lineno <= len(lines) else ""
    looks_newer = (error.msg or "").startswith("f-string") or re.match(
        r"\s*(type\s+\w+.*=|def\s+\w+\[|class\s+\w+\[)", first_line
    )
    if not looks_newer:
        return None
    for _ in range(10):
        if error.lineno is None or not 0 < error.lineno <= len(lines):
            return None
        index = error.lineno - 1
        original = lines[index]
        indent = original[: len(original) - len(original.lstrip())]
        # a statement, an item of a list or call, an expression, or a keyword argument; the
        # replacement that fits is the one after which the next error is another newer-syntax
        # line further down (or none)
        best: tuple[str, SyntaxError] | None = None
        for replacement in ("pass", "None,", "None", "_salvaged=None,"):
            lines[index] = indent + replacement
            candidate = "\n".join(lines).encode()
            try:
                return ast.parse(candidate), candidate
            except SyntaxError as again:
                if again.lineno is None or again.lineno == error.lineno:
                    continue
                newer = (again.msg or "").startswith("f-string") and again.lineno > index + 1
                if best is None or newer:
                    best = (replacement, again)
                if newer:
                    break
        if best is None:
            return None
        lines[index] = indent + best[0]
        next_error = best[1]
        error = next_error
    return None
