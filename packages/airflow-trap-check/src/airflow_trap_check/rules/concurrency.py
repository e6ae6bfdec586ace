"""TP006: dbt can run in two DAG runs at the same time.

A task runs dbt when its command (BashOperator, @task.bash, DockerOperator, KubernetesPodOperator,
subprocess/os.system in a python callable) says ``dbt run|build|seed|snapshot|...`` (or just
``run ...`` in a dbt image, whose entrypoint is dbt), when it calls ``dbtRunner().invoke``, when
it is a dbt operator (Cosmos ``Dbt*Operator``, ``DbtTaskGroup``, ``DbtDag``; not dbt Cloud,
which queues runs of one job itself), or when a project function builds it (dbt_factories.py).
Commands that build no relation (``dbt test``, ``compile``, ``docs generate``, ``source
freshness``) cannot collide on ``__dbt_backup`` and do not count.
It is safe when the DAG has max_active_runs=1 (or, in Airflow 2, max_active_tasks=1), or when
the dbt task is in a pool of one slot (or has max_active_tis_per_dag=1). A pool's size comes
from this file (``Pool.create_or_update_pool``, ``airflow pools set``) or from the project
(airflow_settings.yaml, pools.json, shell scripts, Makefiles, compose files); a pool whose size
cannot be found is trusted, ``default_pool`` is not.
"""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from airflow_trap_check import commands, project, reach
from airflow_trap_check.base import FileContext, in_output, is_docstring
from airflow_trap_check.dags import AirflowModel, DagDef, TaskDef
from airflow_trap_check.rules import dbt_factories, imports
from airflow_trap_check.rules.airflow3_imports import deploys_airflow3
from airflow_trap_check.source import SourceFile

DBT_COMMAND = re.compile(
    r"(?<![\w-])dbt(?:\.exe)?\s+(?:-{1,2}[\w-]+(?:[= ][^\s-]\S*)?\s+)*?"
    r"(run|build|seed|snapshot|run-operation|retry|clone)\b"
)
_DBT_IMAGE = re.compile(r"(?<![a-z])dbt(?![a-z])", re.IGNORECASE)
_DBT_SUBCOMMAND = re.compile(r"\s*(run|build|seed|snapshot)\b")
_POOLS_SET = re.compile(r"airflow\s+pools\s+set\s+['\"]?([\w.-]+)['\"]?\s+(\d+)")
_SETTINGS_POOL = re.compile(r"pool_name:\s*['\"]?([\w.-]+)['\"]?\s*\n\s*pool_slot:\s*(\d+)")
_SKIPPED_KWARGS = {"task_id", "doc", "doc_md", "doc_rst", "description", "task_display_name"}
_PROJECT_FILES = re.compile(
    r"(airflow_settings\.ya?ml|.*pool.*\.(json|ya?ml)|.*\.sh|Makefile|.*compose.*\.ya?ml|"
    r"Dockerfile|justfile|Taskfile\.ya?ml|.*\.md)$",
    re.IGNORECASE,
)
_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "target"})
_DEFAULT_POOL_SLOTS = 128


@dataclass
class _DbtTask:
    node: ast.AST
    label: str
    how: str
    task: TaskDef | None
    settings: dict[str, ast.expr]
    dag: DagDef | None


_PROJECT_POOLS: dict[Path, dict[str, int]] = {}


def check(ctx: FileContext) -> None:
    tasks = _dbt_tasks(ctx)
    if not tasks:
        return
    by_dag: dict[int, list[_DbtTask]] = {}
    dags: dict[int, DagDef] = {}
    for task in tasks:
        if task.dag is not None:
            by_dag.setdefault(id(task.dag), []).append(task)
            dags[id(task.dag)] = task.dag
    for key, dbt_tasks in by_dag.items():
        dag = dags[key]
        limit = ctx.src.constant(dag.kwargs.get("max_active_runs"))
        if limit == 1 or ("max_active_runs" in dag.kwargs and limit is None):
            continue  # one run at a time, or decided by configuration we cannot see
        cap = dag.kwargs.get("max_active_tasks") or dag.kwargs.get("concurrency")
        if ctx.src.constant(cap) == 1 and not deploys_airflow3(ctx):
            continue  # Airflow 2 caps a DAG's tasks across its runs, Airflow 3 each run apart
        unsafe = [t for t in dbt_tasks if not _serialised(ctx, t)]
        if not unsafe:
            continue
        first = unsafe[0]
        runs = "unset (16 by default)" if limit is None else f"{limit}"
        ctx.report(
            "TP006",
            first.node,
            f"dbt runs in task `{first.label}` ({first.how}) but max_active_runs is {runs} and "
            "the task has no one-slot pool: two DAG runs can build the same models at once",
        )


def _dbt_tasks(ctx: FileContext) -> list[_DbtTask]:
    src, model = ctx.src, ctx.model
    found: list[_DbtTask] = []
    for task in model.tasks:
        how = _runs_dbt(ctx, task)
        if how:
            keys = ("pool", "max_active_tis_per_dag", "task_concurrency")
            settings = {k: v for k in keys if (v := model.task_setting(task, k)) is not None}
            node = task.node
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
                node = node.decorator_list[0]
            found.append(_DbtTask(node, task.label, how, task, settings, task.dag))
    for made in dbt_factories.dbt_factory_tasks(ctx, DBT_COMMAND):
        found.append(_DbtTask(made.call, made.label, made.how, None, made.settings, made.dag))
    for node in src.nodes:
        if isinstance(node, ast.Call):
            last = src.call_name(node).rsplit(".", 1)[-1]
            if last in {"DbtTaskGroup", "DbtDag"}:
                settings = {}
                for key in ("operator_args", "default_args"):
                    entries = src.dict_entries(_kw(node, key)) or {}
                    for name in ("pool", "max_active_tis_per_dag"):
                        if name in entries:
                            settings.setdefault(name, entries[name])
                if last == "DbtDag":
                    dag = next((d for d in model.dags if d.node is node), None)
                else:
                    dag = model.dag_of(node, _kw(node, "dag"))
                label = src.constant(_kw(node, "group_id")) or src.constant(_kw(node, "dag_id"))
                found.append(
                    _DbtTask(node, str(label or last), f"Cosmos {last}", None, settings, dag)
                )
    return found


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _runs_dbt(ctx: FileContext, task: TaskDef) -> str | None:
    src = ctx.src
    last = task.operator.rsplit(".", 1)[-1]
    if last.startswith("Dbt") and not any(w in last for w in ("Cloud", "Test", "Docs")):
        return last
    custom = (
        _dbt_in_custom_operator(ctx, task)
        or _dbt_in_project_function(ctx, task)
        or _dbt_image_command(ctx, task)
    )
    if custom:
        return custom
    roots: list[ast.AST] = list(task.code)
    if not task.is_taskflow:
        roots.extend(kw.value for kw in task.node.keywords if kw.arg not in _SKIPPED_KWARGS)  # type: ignore[attr-defined]
    for root in roots:
        for node in src.walk(root):
            if isinstance(node, ast.Call) and src.call_name(node).endswith("dbtRunner"):
                return "dbtRunner"
            if isinstance(node, ast.List | ast.Tuple) and _dbt_argv(src, node):
                return "dbt command"
            # a command built by a function of this file: bash_command=dbt_command("run")
            built = isinstance(node, ast.Call) and bool(src.local_functions(node))
            if built or isinstance(node, ast.Constant | ast.JoinedStr | ast.Name | ast.BinOp):
                parent = src.parents.get(node)
                if isinstance(parent, ast.JoinedStr | ast.FormattedValue | ast.BinOp):
                    continue
                if is_docstring(src, node) or in_output(src, node):
                    continue
                if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                    continue
                text = src.string(node)
                if text and DBT_COMMAND.search(text):
                    return f"`{DBT_COMMAND.search(text).group(0).strip()[:40]}`"  # type: ignore[union-attr]
                if text:
                    in_script = _dbt_in_shell_script(ctx, text)
                    if in_script:
                        return in_script
    return None


def _dbt_image_command(ctx: FileContext, task: TaskDef) -> str | None:
    """A container task of a dbt image (entrypoint ``dbt``) whose command starts with a building
    subcommand: ``DockerOperator(image="dbt-olist", command="run")``."""
    image = "" if task.is_taskflow else ctx.src.string(task.kwargs.get("image")) or ""
    if not _DBT_IMAGE.search(image.rsplit("/", 1)[-1]):
        return None
    command = task.kwargs.get("command", task.kwargs.get("arguments"))
    if isinstance(command, ast.List | ast.Tuple) and command.elts:
        command = command.elts[0]
    text = ctx.src.string(command) if command is not None else None
    match = _DBT_SUBCOMMAND.match(text or "")
    return f"`{match.group(0)}` in dbt image `{image}`" if match else None


def _dbt_in_custom_operator(ctx: FileContext, task: TaskDef) -> str | None:
    """A project operator (``DBTRunOperator`` in plugins/) whose ``execute`` runs dbt."""
    if task.is_taskflow or ctx.project_root is None:
        return None
    func = task.node.func  # type: ignore[attr-defined]
    target = project.imported_target(func, project.imported_names(ctx.src))
    if target is None:
        return None
    folders = imports.module_folders(ctx)
    found = project.definition_in(target[0], target[1], folders, ctx.project_root)
    if found is None or not isinstance(found[1], ast.ClassDef):
        return None
    module, cls = found
    execute = project.class_method(cls, "execute")
    for node in ast.walk(execute) if execute is not None else ():
        if isinstance(node, ast.Constant | ast.JoinedStr):
            command = DBT_COMMAND.search(module.string(node) or "")
            if command:
                shown = reach.shown_path(module.path, ctx)
                return f"`{command.group(0).strip()[:40]}` in `{cls.name}.execute()` ({shown})"
    return None


def _dbt_in_project_function(ctx: FileContext, task: TaskDef) -> str | None:
    """A project function the task runs (its imported ``python_callable``, or one its own code
    calls, a method of a project object included) that starts dbt: ``subprocess.run(["dbt",
    "run"])``, or a helper ``run_dbt(command)`` building ``["dbt", command, ...]`` that the
    function calls with ``"run"``."""
    if ctx.project_root is None:
        return None
    imported = project.imported_names(ctx.src)
    if not imported:
        return None
    folders = imports.module_folders(ctx)
    found: list[tuple[project.Definition, str]] = []
    callable_ = task.kwargs.get("python_callable")
    target = project.imported_target(callable_, imported) if callable_ is not None else None
    if target is not None:
        definition = project.definition_in(target[0], target[1], folders, ctx.project_root)
        if definition is not None and not isinstance(definition[1], ast.ClassDef):
            found.append((definition, target[2]))
    for root in task.code:
        for node in ctx.src.walk(root):
            if isinstance(node, ast.Call):
                called = project.called_definition(
                    ctx.src, node, imported, folders, ctx.project_root
                )
                if called is not None:
                    found.append(called)
    for (module, definition), written in found:
        command = _dbt_in_function(module, definition)
        if command:
            shown = reach.shown_path(module.path, ctx)
            return f"`{command}` in `{written}()` ({shown})"
    return None


def _dbt_in_function(module: SourceFile, definition: ast.AST) -> str | None:
    """The dbt command a project function (with the functions of its module it calls) runs,
    its helpers' parameters filled with the literals it passes them."""
    functions = AirflowModel(module).closure([definition])
    passed: dict[str, set[str]] = {}
    for function in functions:
        for call in module.walk(function):
            if not isinstance(call, ast.Call):
                continue
            for callee in module.local_functions(call):
                params = [a.arg for a in callee.args.args]
                if params[:1] in (["self"], ["cls"]) and isinstance(call.func, ast.Attribute):
                    params = params[1:]
                pairs = [*zip(params, call.args, strict=False)]
                pairs += [(k.arg, k.value) for k in call.keywords]
                for param, arg in pairs:
                    value = module.constant(arg)
                    if param and isinstance(value, str):
                        passed.setdefault(param, set()).add(value)
    for function in functions:
        for node in module.walk(function):
            if isinstance(node, ast.List | ast.Tuple):
                words = [_word_choices(module, e, passed) for e in node.elts]
                for index, choices in enumerate(words[:-1]):
                    if any(w == "dbt" or w.endswith("/dbt") for w in choices):
                        for word in words[index + 1]:
                            command = DBT_COMMAND.search(f"dbt {word}")
                            if command:
                                return command.group(0).strip()[:40]
            elif isinstance(node, ast.Constant | ast.JoinedStr) and not is_docstring(module, node):
                if in_output(module, node):
                    continue
                command = DBT_COMMAND.search(module.string(node) or "")
                if command:
                    return command.group(0).strip()[:40]
    return None


def _word_choices(module: SourceFile, node: ast.expr, passed: dict[str, set[str]]) -> set[str]:
    value = module.constant(node)
    if isinstance(value, str):
        return {value}
    if isinstance(node, ast.Name):
        return passed.get(node.id, set())
    return set()


def _dbt_in_shell_script(ctx: FileContext, command: str) -> str | None:
    """``bash scripts/transform.sh`` whose script runs ``dbt run``."""
    for script in commands.shell_scripts(ctx, command):
        found = DBT_COMMAND.search(commands.read_script(script))
        if found:
            return f"`{found.group(0).strip()[:40]}` in {reach.shown_path(script, ctx)}"
    return None


def _dbt_argv(src, node: ast.List | ast.Tuple) -> bool:
    words = [src.constant(e) for e in node.elts]
    for index, word in enumerate(words):
        if isinstance(word, str) and (word == "dbt" or word.endswith("/dbt")):
            rest = [w for w in words[index + 1 :] if isinstance(w, str)]
            if any(DBT_COMMAND.search("dbt " + w) for w in rest[:4]):
                return True
            parent = src.parents.get(node)
            if isinstance(parent, ast.keyword) and parent.arg in {"cmds", "entrypoint"}:
                return True
    return False


def _serialised(ctx: FileContext, task: _DbtTask) -> bool:
    src = ctx.src
    for key in ("max_active_tis_per_dag", "task_concurrency"):
        if src.constant(task.settings.get(key)) == 1:
            return True
    pool_node = task.settings.get("pool")
    if pool_node is None:
        return False
    pool = src.constant(pool_node)
    if not isinstance(pool, str):
        return True  # chosen at run time; cannot be judged here
    slots = _pool_slots(ctx, pool)
    return slots is None or slots == 1


def _pool_slots(ctx: FileContext, pool: str) -> int | None:
    if pool == "default_pool":
        return _DEFAULT_POOL_SLOTS
    src = ctx.src
    for node in src.nodes:
        if isinstance(node, ast.Call):
            name = src.call_name(node)
            if name.endswith(("create_or_update_pool", "Pool")):
                args = [src.constant(a) for a in node.args]
                named = {kw.arg: src.constant(kw.value) for kw in node.keywords}
                pool_name = named.get("name", named.get("pool", args[0] if args else None))
                slots = named.get("slots", args[1] if len(args) > 1 else None)
                if pool_name == pool and isinstance(slots, int):
                    return slots
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in _POOLS_SET.finditer(node.value):
                if match.group(1) == pool:
                    return int(match.group(2))
    if ctx.project_root is not None:
        return _project_pools(ctx.project_root).get(pool)
    return None


def _project_pools(root: Path) -> dict[str, int]:
    if root in _PROJECT_POOLS:
        return _PROJECT_POOLS[root]
    pools: dict[str, int] = {}
    root_depth = len(root.parts)
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in _SKIP_DIRS and not d.startswith(".")]
        if len(Path(directory).parts) - root_depth >= 3:
            subdirs[:] = []
        for name in files:
            if not _PROJECT_FILES.match(name):
                continue
            path = Path(directory) / name
            try:
                if path.stat().st_size > 500_000:
                    continue
                text = path.read_text(errors="replace")
            except OSError:
                continue
            for match in _POOLS_SET.finditer(text):
                pools.setdefault(match.group(1), int(match.group(2)))
            for match in _SETTINGS_POOL.finditer(text):
                pools.setdefault(match.group(1), int(match.group(2)))
            if name.lower().endswith(".json") and "pool" in name.lower():
                pools.update({k: v for k, v in _json_pools(text).items() if k not in pools})
    _PROJECT_POOLS[root] = pools
    return pools


def _json_pools(text: str) -> dict[str, int]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    pools = {}
    if isinstance(data, dict):
        for name, spec in data.items():
            if isinstance(spec, dict) and isinstance(spec.get("slots"), int):
                pools[name] = spec["slots"]
    elif isinstance(data, list):
        for spec in data:
            if isinstance(spec, dict) and isinstance(spec.get("slots"), int):
                name = spec.get("name") or spec.get("pool")
                if isinstance(name, str):
                    pools[name] = spec["slots"]
    return pools
