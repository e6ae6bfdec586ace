"""TP009: retries that hide failures or repeat ones that cannot heal; TP011 the softer advice.

TP009: ``retries`` above 3, reported where it is set (operator or decorator argument,
``.override``, ``.partial``, or a default_args-style dict); and any retries on a task whose
failures are all deterministic: ``dbt test`` (in a bash command or a dbt test operator), which
fails the same way on every try.

TP011 (advice, off by default): a task whose effective retries (its own argument, then its task
group's and DAG's default_args; Airflow's default is 0) are above zero, that downloads with
``raise_for_status()``, ``urlretrieve``/``urlopen``, ``wget`` or ``curl --fail``, or raises on
``status_code != 200``, and has no fail-fast path for permanent HTTP errors: no
AirflowFailException/AirflowSkipException, no check of 403/404 (or of 4xx), and no
``retry_policy`` on the task. With retries of 3 or fewer that costs minutes, not correctness.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from airflow_trap_check import project
from airflow_trap_check.base import FileContext
from airflow_trap_check.dags import DagDef, TaskDef, Unit
from airflow_trap_check.rules import dbt_factories, imports

_MAX_RETRIES = 3
_TASK_DECORATORS = frozenset(
    {"airflow.decorators.task", "airflow.sdk.task", "task", "airflow.decorators.task.python"}
)
_FAIL_FAST_NAMES = frozenset(
    {"AirflowFailException", "AirflowSkipException", "NOT_FOUND", "FORBIDDEN", "GONE", "not_found"}
)
_SHELL_DOWNLOAD = re.compile(r"\bwget\s|\bcurl\s+(?:[^|;&]*\s)?(-[a-zA-Z]*f[a-zA-Z]*|--fail)\b")
_SHELL_FAIL_FAST = re.compile(r"\b40[34]\b|--retry\b")
_DBT_TEST_COMMAND = re.compile(r"\bdbt\s+(?:-\S+\s+)*test\b")
_DBT_TEST_OPERATOR = re.compile(r"Dbt\w*Test\w*Operator$")
# dbt commands that build models or load seeds: their failures (a lock, a dropped connection)
# can heal, so a task that runs one as well as dbt test has transient failures too
_DBT_BUILDS_COMMAND = re.compile(r"\bdbt\s+(?:-\S+\s+)*(run|build|seed|snapshot)\b")
# one command string of a project factory that runs dbt test and builds nothing
_DBT_TEST_ONLY = re.compile(
    r"^(?!.*\bdbt\s+(?:-\S+\s+)*(run|build|seed|snapshot)\b).*\bdbt\s+(?:-\S+\s+)*test\b",
    re.DOTALL,
)
# Cosmos renders no test task when only models are selected or tests are excluded
_COSMOS_NO_TESTS = re.compile(
    r"\bselect\s*=\s*\[\s*(['\"])resource_type:model\1\s*\]"
    r"|\bexclude\s*=\s*\[[^\]]*resource_type:test\b"
)


def check(ctx: FileContext) -> None:
    _too_many(ctx)
    _imported_tasks_retry_too_much(ctx)
    for task in ctx.model.tasks:
        _deterministic_failures_retried(ctx, task)
    _cosmos_tests_retried(ctx)
    _factory_tests_retried(ctx)
    for unit in ctx.model.units:
        if unit.task is not None:
            _permanent_failures_retried(ctx, unit)


def _retries(ctx: FileContext, task: TaskDef) -> int:
    """The task's effective retries: its own, then its group's and DAG's default_args."""
    setting = ctx.model.task_setting(task, "retries")
    retries = ctx.src.constant(setting) if setting is not None else _project_retries(ctx, task.dag)
    return retries if isinstance(retries, int) and not isinstance(retries, bool) else 0


def _project_retries(ctx: FileContext, dag: DagDef | None) -> object:
    """The retries of a DAG's default_args kept in a project module (``default_args=
    shared_default_args()``, or an imported ``DEFAULT_ARGS``)."""
    if dag is None:
        return None
    found = project.returned_dict(ctx, dag.kwargs.get("default_args"))
    if found is None or "retries" not in found[1]:
        return None
    source, entries = found
    return source.constant(entries["retries"])


def _deterministic_failures_retried(ctx: FileContext, task: TaskDef) -> None:
    if task.is_taskflow:
        return
    bash = task.kwargs.get("bash_command")
    command = (
        ctx.src.string(bash) or project.imported_command(ctx, bash) or _passed_command(ctx, task)
    )
    if not (_DBT_TEST_COMMAND.search(command) or _DBT_TEST_OPERATOR.search(task.operator)):
        return
    if _DBT_BUILDS_COMMAND.search(command):
        return  # like dbt build, the task also runs models
    retries = _retries(ctx, task)
    if retries <= 0 or ctx.model.task_setting(task, "retry_policy") is not None:
        return
    ctx.report(
        "TP009",
        task.node,
        f"task `{task.label}` runs dbt test with retries={retries}: a failing test fails the same "
        "way on every try, so the retries only delay the alert",
    )


def _passed_command(ctx: FileContext, task: TaskDef) -> str:
    """The shell commands a task hands its callable or container as literal strings
    (``op_kwargs={"cmd": "dbt test"}``, ``command="dbt test"``, ``arguments=[...]``)."""
    texts, argv = [], []
    for key in ("op_kwargs", "op_args", "command", "cmds", "arguments"):
        value = task.kwargs.get(key)
        if key in ("cmds", "arguments") and isinstance(value, ast.List | ast.Tuple):
            # a container's argv: cmds=["dbt", "test"] and then arguments=[...] is one command
            argv.extend(ctx.src.string(item) or "" for item in value.elts)
            continue
        for node in ast.walk(value) if value is not None else ():
            if isinstance(node, ast.Constant | ast.JoinedStr):
                texts.append(ctx.src.string(node) or "")
    texts.append(" ".join(argv))
    return " ; ".join(texts)


def _cosmos_tests_retried(ctx: FileContext) -> None:
    """A Cosmos ``DbtTaskGroup``/``DbtDag`` makes a ``dbt test`` task after each model (unless
    its test behaviour is none), and those inherit the group's or the DAG's retries."""
    src = ctx.src
    for node in src.nodes:
        if not isinstance(node, ast.Call):
            continue
        name = src.call_name(node)
        if not name.endswith(("DbtTaskGroup", "DbtDag")) or "cosmos" not in name.lower():
            continue
        segment = src.segment(node)
        if "TestBehavior.NONE" in segment or _COSMOS_NO_TESTS.search(segment):
            continue
        if ctx.project_root is not None and not _dbt_tests_defined(ctx.project_root):
            continue
        kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        own = src.dict_entries(kwargs.get("default_args")) or {}
        if name.endswith("DbtDag"):
            setting = own.get("retries")  # a DAG of its own: only its default_args count
        else:
            dag = ctx.model.dag_of(node, kwargs.get("dag"))
            setting = own.get("retries", ctx.model.default_args(dag).get("retries"))
        if setting is not None:
            retries = src.constant(setting)
        else:
            retries = None if name.endswith("DbtDag") else _project_retries(ctx, dag)
        if isinstance(retries, int) and not isinstance(retries, bool) and retries > 0:
            ctx.report(
                "TP009",
                node,
                f"the dbt test tasks this {name.rsplit('.', 1)[-1]} makes have retries={retries}:"
                " a failing test fails the same way on every try, so the retries only delay the "
                "alert",
            )


def _factory_tests_retried(ctx: FileContext) -> None:
    """A project function the DAG calls builds operators that run ``dbt test`` (``f"dbt test
    --select {name}"`` per test of the manifest): they inherit the DAG's retries."""
    if ctx.project_root is None or not ctx.model.dags:
        return
    for made in dbt_factories.dbt_factory_tasks(ctx, _DBT_TEST_ONLY):
        setting = ctx.model.default_args(made.dag).get("retries")
        retries = ctx.src.constant(setting) if setting is not None else None
        if retries is None and setting is None:
            retries = _project_retries(ctx, made.dag)
        if not isinstance(retries, int) or isinstance(retries, bool) or retries <= 0:
            continue
        if not _dbt_tests_defined(ctx.project_root):
            return
        ctx.report(
            "TP009",
            made.call,
            f"{made.label} builds dbt test tasks ({made.how.split(',')[0]}) that inherit "
            f"retries={retries}: a failing test fails the same way on every try",
        )


_DBT_TEST_YAML = re.compile(r"^\s*-?\s*(data_)?tests\s*:", re.MULTILINE)
_DBT_TESTS: dict[Path, bool] = {}


def _dbt_tests_defined(root: Path) -> bool:
    """Whether a dbt project of the repository defines any test (a ``tests:``/``data_tests:``
    entry in its YAML, or SQL under its test paths); True when the repository holds no dbt
    project to read, as nothing shows the tests are absent."""
    if root not in _DBT_TESTS:
        projects = [
            p
            for p in root.rglob("dbt_project.yml")
            if not any(
                part.startswith(".") or part in {"dbt_packages", "dbt_modules", "node_modules"}
                for part in p.relative_to(root).parts
            )
        ]
        _DBT_TESTS[root] = not projects or any(_project_has_tests(p.parent) for p in projects)
    return _DBT_TESTS[root]


def _project_has_tests(folder: Path) -> bool:
    if any((folder / "tests").rglob("*.sql")) or any((folder / "test").rglob("*.sql")):
        return True
    for pattern in ("*.yml", "*.yaml"):
        for file in folder.rglob(pattern):
            if any(
                part in {"dbt_packages", "dbt_modules", "target"}
                for part in file.relative_to(folder).parts
            ):
                continue
            try:
                if _DBT_TEST_YAML.search(file.read_text(errors="replace")):
                    return True
            except OSError:
                continue
    return False


def _imported_tasks_retry_too_much(ctx: FileContext) -> None:
    """A DAG that calls a project module's ``@task(retries=5)`` function adds that task with
    its retries: reported at the call in the DAG file."""
    imported = project.imported_names(ctx.src)
    if ctx.project_root is None or not imported or not ctx.model.dags:
        return
    folders: list[Path] | None = None
    done: set[int] = set()
    for node in ctx.src.nodes:
        if not isinstance(node, ast.Call):
            continue
        target = project.imported_target(node.func, imported)
        if target is None:
            continue
        folders = folders if folders is not None else imports.module_folders(ctx)
        found = project.definition_in(target[0], target[1], folders, ctx.project_root)
        if found is None or isinstance(found[1], ast.ClassDef) or id(found[1]) in done:
            continue
        done.add(id(found[1]))
        for deco in found[1].decorator_list:
            if not (
                isinstance(deco, ast.Call) and found[0].qualname(deco.func) in _TASK_DECORATORS
            ):
                continue
            value = next((kw.value for kw in deco.keywords if kw.arg == "retries"), None)
            retries = found[0].constant(value) if value is not None else None
            if (
                isinstance(retries, int)
                and not isinstance(retries, bool)
                and retries > _MAX_RETRIES
            ):
                ctx.report(
                    "TP009",
                    node,
                    f"`{target[2]}` is a task declared with retries={retries} (above "
                    f"{_MAX_RETRIES}) in {found[0].path.name}: a real failure is retried "
                    f"{retries} times before anyone hears of it",
                )


def _too_many(ctx: FileContext) -> None:
    src = ctx.src
    task_calls = {id(t.node) for t in ctx.model.tasks if not t.is_taskflow}
    task_decorators = set()
    for task in ctx.model.tasks:
        if task.is_taskflow:
            task_decorators.update(id(d) for d in task.node.decorator_list)  # type: ignore[attr-defined]
    for node in src.nodes:
        value = None
        if isinstance(node, ast.Call):
            func = node.func
            is_task = id(node) in task_calls or id(node) in task_decorators
            if isinstance(func, ast.Attribute) and func.attr in {"override", "partial"}:
                is_task = True
            if src.qualname(func) == "dict":
                is_task = True
            if is_task:
                value = next((kw.value for kw in node.keywords if kw.arg == "retries"), None)
        elif isinstance(node, ast.Dict):
            for key, item in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "retries":
                    value = item
        if value is None:
            continue
        retries = src.constant(value)
        if isinstance(retries, int) and not isinstance(retries, bool) and retries > _MAX_RETRIES:
            ctx.report(
                "TP009",
                value,
                f"retries={retries} is above {_MAX_RETRIES}: a real failure is retried "
                f"{retries} times before anyone hears of it, and permanent errors are retried "
                "like transient ones",
            )


def _permanent_failures_retried(ctx: FileContext, unit: Unit) -> None:
    src = ctx.src
    task = unit.task
    assert task is not None
    retries = _retries(ctx, task)
    if retries <= 0 or ctx.model.task_setting(task, "retry_policy") is not None:
        return
    site: ast.AST | None = None
    what = ""
    for node in unit.walk():
        if _fail_fast(src, node):
            return
        if site is not None:
            continue
        if isinstance(node, ast.Call):
            name = src.call_name(node)
            if name.endswith(".raise_for_status"):
                site, what = node, "`raise_for_status()`"
            elif name.endswith(("urlretrieve", "urlopen")) or name == "wget.download":
                site, what = node, f"`{name.rsplit('.', 1)[-1]}()`"
        elif isinstance(node, ast.If) and _raises_on_status(node):
            site, what = node, "raising on a non-200 status"
        elif isinstance(node, ast.Constant | ast.JoinedStr):
            text = src.string(node) or ""
            if _SHELL_DOWNLOAD.search(text):
                if _SHELL_FAIL_FAST.search(text):
                    return
                site, what = node, "a shell download that fails on HTTP errors"
    if site is None:
        return
    ctx.report(
        "TP011",
        site,
        f"{what} makes a 403/404 (month not published, no access) fail like a network blip, and "
        f"task `{unit.name}` retries it {retries} time(s): no fail-fast path for permanent errors",
    )


def _fail_fast(src, node: ast.AST) -> bool:
    if isinstance(node, ast.Name) and node.id in _FAIL_FAST_NAMES:
        return True
    if isinstance(node, ast.Attribute) and node.attr in _FAIL_FAST_NAMES:
        return True
    if isinstance(node, ast.Compare):
        for part in ast.walk(node):
            if (
                isinstance(part, ast.Constant)
                and isinstance(part.value, int)
                and not isinstance(part.value, bool)
                and 400 <= part.value <= 500
            ):
                return True
            if (
                isinstance(part, ast.Constant)
                and isinstance(part.value, int)
                and part.value == 4
                and isinstance(node.left, ast.BinOp)
            ):
                return True
    return False


def _raises_on_status(node: ast.If) -> bool:
    test = ast.unparse(node.test)
    if "status" not in test or "200" not in test:
        return False
    return any(isinstance(sub, ast.Raise) for stmt in node.body for sub in ast.walk(stmt))
