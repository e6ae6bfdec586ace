"""Reading the text of a string expression without running it (SQL, paths, URLs)."""

from __future__ import annotations

import ast

MAX_DEPTH = 8  # how far names, calls and nesting are followed

# Methods of str that keep the text recognisable (SQL stays SQL after .strip() or .format()).
STR_METHODS = frozenset(
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


class StringReading:
    """The string methods of :class:`~airflow_trap_check.source.SourceFile`."""

    def string(
        self, node: ast.AST | None, depth: int = 0, seen: frozenset[str] = frozenset()
    ) -> str | None:
        """Approximate text of a string expression; unknown parts become ``{name}``.

        Follows names, f-strings, concatenation, ``%``/``.format`` templates, ``os.path.join``,
        ``textwrap.dedent``/``text()`` wrappers and functions in this file that return strings,
        so SQL kept in a constant or built by a helper is still seen as SQL.
        """
        if node is None or depth > MAX_DEPTH:
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
                        if inner is None:
                            inner = self._narrowed(value.value)
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
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                return self._instance_string(node, depth, seen)
        return None

    def _instance_string(self, node: ast.Attribute, depth: int, seen: frozenset[str]) -> str | None:
        """``self.truncate_sql`` where a method of the class (``__init__``, mostly) stores a
        statement it builds: ``self.truncate_sql = SQL("TRUNCATE {}").format(...)``."""
        cls = next((a for a in self.ancestors(node) if isinstance(a, ast.ClassDef)), None)
        key = "self." + node.attr
        if cls is None or key in seen:
            return None
        texts = []
        for sub in self.walk(cls):
            if (
                isinstance(sub, ast.Assign)
                and len(sub.targets) == 1
                and isinstance(sub.targets[0], ast.Attribute)
                and sub.targets[0].attr == node.attr
                and isinstance(sub.targets[0].value, ast.Name)
                and sub.targets[0].value.id == "self"
            ):
                text = self.string(sub.value, depth + 1, seen | {key})
                if text is not None and text not in texts:
                    texts.append(text)
        return ";\n".join(texts) if texts else None

    def _narrowed(self, name: ast.Name) -> str | None:
        """The literal an enclosing ``if verb == "run":`` pins the name to, in its body."""
        child: ast.AST = name
        for ancestor in self.ancestors(name):  # type: ignore[attr-defined]
            if isinstance(ancestor, ast.If) and any(child is s for s in ancestor.body):
                test = ancestor.test
                if (
                    isinstance(test, ast.Compare)
                    and isinstance(test.left, ast.Name)
                    and test.left.id == name.id
                    and len(test.ops) == 1
                    and isinstance(test.ops[0], ast.Eq)
                    and isinstance(test.comparators[0], ast.Constant)
                    and isinstance(test.comparators[0].value, str)
                ):
                    return test.comparators[0].value
            child = ancestor
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
                and parent.attr in STR_METHODS
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
        if isinstance(func, ast.Attribute) and func.attr in STR_METHODS:
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
            passed = _literal_arguments(function, node)
            for sub in self.walk(function):
                if isinstance(sub, ast.Return) and sub.value is not None:
                    text = self.string(sub.value, depth + 1, seen | {function.name})
                    if text is not None:
                        # the literal arguments of this call fill the parameters' placeholders
                        for parameter, value in passed.items():
                            text = text.replace("{" + parameter + "}", value)
                        texts.append(text)
        if texts and not any(f.name in seen for f in self.local_functions(node)):
            return ";\n".join(texts)
        return None


def _literal_arguments(function: ast.AST, call: ast.Call) -> dict[str, str]:
    """Parameter -> string literal the call passes it (``build_command("run", "staging")``)."""
    arguments = function.args  # type: ignore[attr-defined]
    names = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
    if names[:1] in (["self"], ["cls"]) and isinstance(call.func, ast.Attribute):
        names = names[1:]
    passed: dict[str, str] = {}
    for name, arg in zip(names, call.args, strict=False):
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            passed[name] = arg.value
    for keyword in call.keywords:
        value = keyword.value.value if isinstance(keyword.value, ast.Constant) else None
        if keyword.arg and isinstance(value, str):
            passed[keyword.arg] = value
    return passed


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
