"""Where the names a file imports from its own project are defined.

``from crypto_etl import load`` then ``python_callable=load.main``, ``db_util.insert_to_table()``
on a module found through ``sys.path``, ``sql=CREATE_TABLE`` kept in ``sql/queries.py``: each
is looked up in the project's module folders, parsed once per check.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from airflow_trap_check.base import FileContext
from airflow_trap_check.parsing import parse
from airflow_trap_check.rules import imports
from airflow_trap_check.source import SourceFile

# Helpers importing helpers: deep enough for package __init__ re-exports, bounded for speed.
MAX_IMPORT_DEPTH = 4

Definition = tuple[SourceFile, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]
_PARSED: dict[Path, SourceFile | None] = {}


# where Airflow 1 puts the classes a plugin registers: `from airflow.operators import MyOperator`
PLUGIN_PATHS = frozenset({"airflow.operators", "airflow.sensors", "airflow.hooks"})


def clear_cache() -> None:
    _PARSED.clear()
    _module_in.cache_clear()
    _vendored.cache_clear()
    _package_modules.cache_clear()
    _namespace_packages.cache_clear()


def module_file(name: str, folders: list[Path], root: Path | None) -> Path | None:
    top = name.split(".")[0]
    if top in sys.stdlib_module_names or imports.is_installed_with_airflow(top):
        return None  # most imports of a DAG file: no need to look on disk
    for folder in folders:
        found = _module_in(folder, name)
        if found is not None and (root is None or root in found.parents):
            return found
    return None


@cache
def _module_in(folder: Path, name: str) -> Path | None:
    parts = name.split(".")
    if not imports.has_module(folder, parts[0]) or _vendored(folder, parts[0]):
        return None
    base = folder.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


@cache
def _vendored(folder: Path, top: str) -> bool:
    """A library installed into the project (``pip install --target``): its ``<top>-<version>
    .dist-info`` sits beside it or one folder up. Its code is not the project's."""
    return any(next(f.glob(f"{top}-*.dist-info"), None) for f in (folder, folder.parent))


def imported_names(src: SourceFile) -> dict[str, tuple[str, str | None]]:
    """Names bound by the file's own imports: name -> (module, attribute or None)."""
    memo = src.rule_memo.setdefault("imported_names", {})
    if "names" not in memo:
        memo["names"] = _imported_names(src)
    return memo["names"]


def module_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports a module runs when it is imported, also those inside a module-level ``try``
    (``try: from data_ingestion import main except ImportError: ...``) or ``if``."""
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        statement = stack.pop()
        if isinstance(statement, ast.Import | ast.ImportFrom):
            yield statement
        elif isinstance(statement, ast.Try):
            stack.extend(reversed(statement.body))
        elif isinstance(statement, ast.If) and "__main__" not in ast.unparse(statement.test):
            stack.extend(reversed([*statement.body, *statement.orelse]))


def _imported_names(src: SourceFile) -> dict[str, tuple[str, str | None]]:
    return names_bound_by(module_imports(src.tree))


def names_bound_by(
    statements: Iterable[ast.Import | ast.ImportFrom],
) -> dict[str, tuple[str, str | None]]:
    """Project names the import statements bind (stdlib and installed packages left out)."""
    names: dict[str, tuple[str, str | None]] = {}
    for statement in statements:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    names[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    names.setdefault(top, (top, None))
        elif isinstance(statement, ast.ImportFrom) and statement.module and statement.level == 0:
            for alias in statement.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = (statement.module, alias.name)
    return {
        name: where
        for name, where in names.items()
        if where[0] in PLUGIN_PATHS
        or (
            where[0].split(".")[0] not in sys.stdlib_module_names
            and not imports.is_installed_with_airflow(where[0].split(".")[0])
        )
    }


def imported_target(
    func: ast.AST, imported: dict[str, tuple[str, str | None]]
) -> tuple[str, str, str] | None:
    """(module, name, as written) of a function a call reaches through the file's imports:
    ``load()`` imported by name, or ``db_util.load()`` on an imported module."""
    if isinstance(func, ast.Name) and func.id in imported:
        module, attr = imported[func.id]
        return (module, attr, func.id) if attr is not None else None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        where = imported.get(func.value.id)
        if where is not None:
            module, attr = where
            dotted = f"{module}.{attr}" if attr else module
            return dotted, func.attr, f"{func.value.id}.{func.attr}"
    return None


def called_definition(
    src: SourceFile,
    call: ast.Call,
    imported: dict[str, tuple[str, str | None]],
    folders: list[Path],
    root: Path | None,
) -> tuple[Definition, str] | None:
    """The project function or method a call in ``src`` runs, and the call as written:
    ``load()`` imported by name, ``db_util.load()`` on an imported module, or
    ``loader.load_prices()`` on an object the same scope made once from an imported project
    class (``loader = PostgresLoader(config)``), which runs that class's method."""
    target = imported_target(call.func, imported)
    if target is not None:
        found = definition_in(target[0], target[1], folders, root)
        if found is None or isinstance(found[1], ast.ClassDef):
            return None
        return found, target[2]
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    receiver = func.value.id
    bindings = src.lookup(receiver, src.scope_of(call))
    if len(bindings) != 1 or bindings[0].kind != "assign":
        return None
    made = bindings[0].value
    if not isinstance(made, ast.Call):
        return None
    cls_target = imported_target(made.func, imported)
    if cls_target is None:
        return None
    found = definition_in(cls_target[0], cls_target[1], folders, root)
    if found is None or not isinstance(found[1], ast.ClassDef):
        return None
    method = class_method(found[1], func.attr)
    if method is None:
        return None
    return (found[0], method), f"{receiver}.{func.attr}"


def imported_string(ctx: FileContext, node: ast.AST) -> str | None:
    """The text of a string constant the file imports from a project module (SQL kept in
    ``sql/queries.py`` and used as ``sql=CREATE_TABLE``, or as ``Queries.CREATE_TABLE`` on a
    class of it)."""
    if ctx.project_root is None or not isinstance(node, ast.Name | ast.Attribute):
        return None
    imported = imported_names(ctx.src)
    target = imported_target(node, imported)
    if target is None:
        return None
    module, name, _ = target
    folders = imports.module_folders(ctx)
    file = module_file(module, folders, ctx.project_root)
    source = parsed(file) if file is not None else None
    if source is not None:
        return _assigned_string(source, source.tree.body, name)
    # `from etl.queries import Queries` then `Queries.CREATE_TABLE`: an attribute of a class
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = imported.get(node.value.id)
        if owner is not None and owner[1] is not None:
            found = definition_in(owner[0], owner[1], folders, ctx.project_root)
            if found is not None and isinstance(found[1], ast.ClassDef):
                return _assigned_string(found[0], found[1].body, name)
    return None


def imported_command(ctx: FileContext, node: ast.AST | None) -> str | None:
    """A command or query the file builds from text a project module keeps, when the file's
    own strings cannot say: ``COMMANDS["test"].format(model=m)`` with ``COMMANDS`` a dict of
    ``scripts/commands.py``, or an imported constant with a method called on it."""
    if node is None or ctx.project_root is None:
        return None
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"format", "strip", "replace", "format_map"}
    ):
        node = node.func.value
    if isinstance(node, ast.Name | ast.Attribute):
        return imported_string(ctx, node)
    if not (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Constant)
    ):
        return None
    found = imported_value(ctx, node.value)
    if found is None:
        return None
    source, value = found
    entries = source.dict_entries(value) or {}
    entry = entries.get(node.slice.value)
    return source.string(entry) if entry is not None else None


def imported_value(ctx: FileContext, node: ast.Name) -> tuple[SourceFile, ast.expr] | None:
    """The module-level value a name imported from a project module is assigned."""
    target = imported_target(node, imported_names(ctx.src))
    if target is None:
        return None
    file = module_file(target[0], imports.module_folders(ctx), ctx.project_root)
    source = parsed(file) if file is not None else None
    if source is None:
        return None
    for statement in source.tree.body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == target[1]
        ):
            return source, statement.value
    return None


def returned_dict(
    ctx: FileContext, node: ast.AST | None
) -> tuple[SourceFile, dict[str, ast.expr]] | None:
    """The entries of a dict a project module supplies: an imported constant
    (``default_args=DEFAULT_ARGS``) or what an imported function returns
    (``default_args=shared_default_args()`` whose body ends ``return {...}``)."""
    if node is None or ctx.project_root is None:
        return None
    if isinstance(node, ast.Name):
        found = imported_value(ctx, node)
        if found is None:
            return None
        entries = found[0].dict_entries(found[1])
        return (found[0], entries) if entries is not None else None
    if not isinstance(node, ast.Call):
        return None
    imported = imported_names(ctx.src)
    folders = imports.module_folders(ctx)
    called = called_definition(ctx.src, node, imported, folders, ctx.project_root)
    if called is None:
        return None
    (source, function), _ = called
    for statement in reversed(function.body):  # type: ignore[union-attr]
        if isinstance(statement, ast.Return):
            entries = source.dict_entries(statement.value)
            return (source, entries) if entries is not None else None
    return None


def _assigned_string(source: SourceFile, body: list[ast.stmt], name: str) -> str | None:
    for statement in body:
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == name
        ):
            return source.string(statement.value)
    return None


def class_method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for statement in cls.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == name:
            return statement
    return None


def parsed(file: Path) -> SourceFile | None:
    """The project module ``file``, parsed once per check."""
    if file not in _PARSED:
        try:
            _PARSED[file] = parse(file, file.read_bytes())[0]
        except OSError:
            _PARSED[file] = None
    return _PARSED[file]


def definition_in(
    module: str, name: str | None, folders: list[Path], root: Path | None
) -> Definition | None:
    """The function or class ``name`` of the project module ``module``, through re-exports;
    in a package whose ``__init__.py`` the repository lacks, of one of its modules; and an
    Airflow 1 plugin's class (``from airflow.operators import LoadFactOperator``) in plugins/."""
    found = find_definition(module_file(module, folders, root), name, folders)
    if found is not None or name is None:
        return found
    if module in PLUGIN_PATHS:
        places = [f for f in folders if f.name == "plugins"]
    elif (top := module.split(".")[0]) in sys.stdlib_module_names or (
        top == "airflow" or imports.is_installed_with_airflow(top)
    ):
        return None
    else:
        places = list(_namespace_packages(module, tuple(folders)))
    for place in dict.fromkeys(places):
        for file in _package_modules(place):
            found = find_definition(file, name, folders)
            if found is not None and getattr(found[1], "name", None) == name:
                return found
    return None


@cache
def _namespace_packages(module: str, folders: tuple[Path, ...]) -> tuple[Path, ...]:
    """Folders ``module`` names that hold no ``__init__.py``."""
    places = [f.joinpath(*module.split(".")) for f in folders]
    return tuple(p for p in places if p.is_dir() and not (p / "__init__.py").is_file())


@cache
def _package_modules(folder: Path) -> tuple[Path, ...]:
    """The modules of a project folder, nearest first (at most a few dozen are looked at)."""
    if not folder.is_dir():
        return ()
    return tuple(sorted(folder.rglob("*.py"), key=lambda p: (len(p.parts), p))[:60])


def find_definition(
    file: Path | None, name: str | None, folders: list[Path], depth: int = 0
) -> Definition | None:
    """The function or class ``name`` of a project module, through re-exports."""
    if file is None or name is None or depth > MAX_IMPORT_DEPTH:
        return None
    module = parsed(file)
    if module is None:
        return None
    for statement in module.tree.body:
        if (
            isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and statement.name == name
        ):
            return module, statement
    for statement in module.tree.body:
        if not isinstance(statement, ast.ImportFrom):
            continue
        for alias in statement.names:
            if (alias.asname or alias.name) != name:
                continue
            if statement.level > 0:
                package = file.parents[statement.level - 1]
                source = (
                    module_file(statement.module, [package], None) if statement.module else None
                )
            else:
                source = module_file(statement.module or "", [file.parent, *folders], None)
            return find_definition(source, alias.name, folders, depth + 1)
    return None
