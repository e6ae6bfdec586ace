"""TP001 in project code a DAG calls: a helper that reads the clock itself and lets it pick
the data, or asks a source for a window counted back from now."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from airflow_trap_check import commands, project
from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import AirflowModel
from airflow_trap_check.rules import imports
from airflow_trap_check.rules.clock_terms import EMPTY, Taint, is_clock
from airflow_trap_check.rules.clock_uploads import self_methods, written_for_upload
from airflow_trap_check.rules.clock_windows import relative_windows, to_the_second
from airflow_trap_check.source import SourceFile, dotted

if TYPE_CHECKING:
    from airflow_trap_check.rules.clock import _ClockFlow as ClockFlow


def check_helper_clocks(ctx: FileContext, flow: ClockFlow) -> None:
    """A project function the DAG calls that reads the clock itself and lets it decide the
    data: ``helpers.fetch_current_cases()`` naming its file by ``datetime.now()``. A call the
    file's own flow already reported (as a helper returning the clock) is not reported again."""
    reported = {id(source) for source in flow.found}
    # what runs a helper: a call, or a task handed it as its callable
    runs = [(n, n.func) for n in ctx.src.nodes if isinstance(n, ast.Call) and id(n) not in reported]
    runs += [
        (callable_, callable_)
        for task in ctx.model.tasks
        if (callable_ := task.kwargs.get("python_callable")) is not None
    ]
    for call, func in runs:
        helper = flow.helper(func, methods=True)
        if helper is None:
            continue
        written, shown, definition, inner = helper
        end = getattr(definition, "end_lineno", definition.lineno)  # type: ignore[attr-defined]
        if inner.windows is None:
            inner.windows = relative_windows(inner.src)
        window = next(
            (
                (node, text)
                for node, text in inner.windows
                if definition.lineno <= node.lineno <= end  # type: ignore[attr-defined]
            ),
            None,
        )
        if window is not None:
            ctx.report(
                "TP001",
                call,
                f"`{written}()` ({shown}) asks for `{window[1]}` on line {window[0].lineno}, a "
                "window counted from the wall clock: a retry or backfill would get the "
                "days around the moment it runs instead of the run's own interval",
            )
            continue
        inside = _clock_inside(inner, definition, end)
        if not inside:
            # one module further: `run_pipeline()` calling `map_orders()` that stamps the day
            for node in inner.src.walk(definition):
                if not isinstance(node, ast.Call):
                    continue
                nested = inner.helper(node.func, methods=True)
                if nested is not None:
                    _, deeper_shown, deeper, deeper_flow = nested
                    deeper_end = getattr(deeper, "end_lineno", deeper.lineno)
                    inside = [
                        (source, hit)
                        for source, hit in _clock_inside(deeper_flow, deeper, deeper_end)
                        if source in deeper_flow.used
                    ]
                    if inside:
                        shown = f"{shown}, which calls into {deeper_shown}"
                        inner = deeper_flow
                        break
        if not inside:
            continue
        source, (_, sink) = min(inside, key=lambda item: item[0].lineno)
        ctx.report(
            "TP001",
            call,
            f"`{written}()` ({shown}) reads the wall clock on line {source.lineno} "
            f"(`{inner.src.segment(source)[:40]}`) and it reaches {sink}: a retry or backfill "
            "would process the current period instead of the run's own",
        )


def check_script_clocks(ctx: FileContext, flow: ClockFlow) -> None:
    """A python script a task's command runs (``python scripts/load.py``, ``python -m
    scripts.load``) is the task's code: a clock reading there that picks the data counts."""
    for task in ctx.model.tasks:
        for node, command in commands.task_commands(ctx, task):
            for script in commands.python_scripts(ctx, command):
                module = project.parsed(script)
                if module is None or AirflowModel(module).dags:
                    continue
                inner = flow.flow_of(module)
                inside = _clock_inside(inner, module.tree, len(module.text.splitlines()) + 1)
                if not inside:
                    continue
                source, (_, sink) = min(inside, key=lambda item: item[0].lineno)
                shown = script.relative_to(ctx.project_root).as_posix()  # type: ignore[arg-type]
                ctx.report(
                    "TP001",
                    node,
                    f"task `{task.label}` runs {shown}, which reads the wall clock on line "
                    f"{source.lineno} (`{inner.src.segment(source)[:40]}`) and it reaches "
                    f"{sink}: a retry or backfill would process the current period instead "
                    "of the run's own",
                )


def _clock_inside(inner: ClockFlow, definition: ast.AST, end: int) -> list:
    """Clock readings in ``definition`` and the sink each reaches. A helper only naming a file
    it writes by the day (an archive copy, a scratch file) is left alone; reading a clock-named
    file back, storing it as an object, fetching or querying by the clock is the clock picking
    the data."""
    inside = []
    spans = [(getattr(definition, "lineno", 1), end)]
    spans += [(m.lineno, m.end_lineno) for m in self_methods(inner.src, definition)]
    for source, hit in inner.found.items():
        if not any(first <= source.lineno <= last for first, last in spans):
            continue
        kinds = inner.kinds.get(source, frozenset())
        if kinds and kinds <= {"path", "remove", "xcom"} and to_the_second(inner.src, source):
            continue  # a batch id or file name stamped to the second: unique per try, no period
        if not hit[1].startswith("the file path"):
            inside.append((source, hit))
        elif source in inner.used and source not in inner.archived:
            inside.append((source, inner.used[source]))
        elif source not in inner.archived and written_for_upload(inner, source):
            inside.append((source, (hit[0], f"{hit[1]}, a file the module stores as an object")))
    return inside


def other_case(module: str, name: str | None, folders: list[Path], root: Path | None):
    """``from spotify_etl import run`` where the repository holds ``Spotify_etl.py``: the
    module the author's case-insensitive disk imports, and so the code the task was written to
    run (on Linux the import itself fails, a TP007 of its own)."""
    if "." in module or name is None:
        return None
    for folder in folders:
        twin = next((t for t in imports.case_twins(folder, module) if t.suffix == ".py"), None)
        file = twin.resolve() if twin is not None else None
        if file is not None and (root is None or root in file.parents):
            return project.find_definition(file, name, folders)
    return None


def relative_imports(src: SourceFile) -> tuple[dict[str, tuple[str, str | None]], list[Path]]:
    """``from .watermark import get_watermark`` in a package module: the names it binds, as
    imported from ``watermark``, and the package folders those modules are found in."""
    names: dict[str, tuple[str, str | None]] = {}
    packages: list[Path] = []
    for statement in project.module_imports(src.tree):
        if not (isinstance(statement, ast.ImportFrom) and statement.level > 0 and statement.module):
            continue
        if statement.level > len(src.path.parents):
            continue
        package = src.path.parents[statement.level - 1]
        if package.joinpath(*statement.module.split(".")).with_suffix(".py").is_file():
            packages.append(package)
            for alias in statement.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = (statement.module, alias.name)
    return names, packages


def imported_clock(flow: ClockFlow, node: ast.Name | ast.Attribute) -> Taint:
    """``yesterday`` imported from a project config module that sets ``yesterday =
    date.today() - timedelta(days=1)`` at its top level: the value is the clock read when the
    module is imported, so the name is a clock reading here."""
    if not flow._imported or (isinstance(node, ast.Name) and node.id not in flow._imported):
        return EMPTY
    target = project.imported_target(node, flow._imported)
    if target is None:
        return EMPTY
    folders = [*imports.module_folders(flow.ctx), *flow._packages]
    file = project.module_file(target[0], folders, flow.ctx.project_root)
    source = project.parsed(file) if file is not None else None
    if source is None:
        return EMPTY
    memo = source.rule_memo.setdefault("module_clocks", {})
    if target[1] not in memo:
        memo[target[1]] = _module_clock(source, target[1], 0)
    return frozenset({node}) if memo[target[1]] else EMPTY  # type: ignore[arg-type]


def _module_clock(source: SourceFile, name: str, depth: int) -> bool:
    """Whether the module-level value of ``name`` reads the clock, directly or through other
    module-level names (``today = date.today()``, ``yesterday = today - ...``)."""
    values = [
        statement.value
        for statement in source.tree.body
        if isinstance(statement, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in statement.targets)
    ]
    for value in values:
        for node in source.walk(value):
            if isinstance(node, ast.Call) and is_clock(source, node):
                return True
            if (
                isinstance(node, ast.Name)
                and node.id != name
                and depth < 2
                and _module_clock(source, node.id, depth + 1)
            ):
                return True
    return False


_SIGNING = ("hashlib.", "hmac.")


def signed(flow: ClockFlow) -> Taint:
    """Clock readings that go into a hash or HMAC: a request signature's timestamp (``ts`` with
    ``md5(ts + private_key + public_key)``) proves the request is fresh, it picks no data."""
    memo = flow.src.rule_memo.setdefault("signed_clocks", {})
    if "taint" not in memo:
        out: set = set()
        for node in flow.src.nodes:
            if isinstance(node, ast.Call) and flow.src.call_name(node).startswith(_SIGNING):
                scope = flow.src.scope_of(node)
                for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                    out |= flow.taint(arg, scope)
        memo["taint"] = frozenset(out)
    return memo["taint"]


def imported_target(func: ast.AST, imported: dict[str, tuple[str, str | None]]):
    """:func:`project.imported_target`, also through a dotted module import:
    ``import scripts.crawl_price`` then ``scripts.crawl_price.run``."""
    target = project.imported_target(func, imported)
    path = dotted(func) if target is None and isinstance(func, ast.Attribute) else None
    parts = path.split(".") if path else []
    if len(parts) > 2 and parts[0] in imported and imported[parts[0]][1] is None:
        return ".".join([imported[parts[0]][0], *parts[1:-1]]), parts[-1], path
    return target
