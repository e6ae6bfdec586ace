"""What a file declares to Airflow: DAGs, tasks, and the code each task runs."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from airflow_trap_check.source import FUNCTION_TYPES, SourceFile

_DAG_CLASSES = frozenset({"DAG", "DbtDag"})
_GROUP_CLASSES = frozenset({"TaskGroup", "DbtTaskGroup"})


@dataclass(eq=False)
class DagDef:
    node: ast.AST  # the DAG(...) call, or the decorated function
    kwargs: dict[str, ast.expr]
    region: ast.AST | None  # the ``with`` block or decorated function holding its tasks
    names: set[str] = field(default_factory=set)
    anchor: ast.AST | None = None  # where a DAG-level finding points

    @property
    def line(self) -> int:
        return (self.anchor or self.node).lineno  # type: ignore[attr-defined]

    @property
    def col(self) -> int:
        return (self.anchor or self.node).col_offset + 1  # type: ignore[attr-defined]


@dataclass(eq=False)
class TaskDef:
    node: ast.AST  # operator call, or the TaskFlow function
    operator: str
    kwargs: dict[str, ast.expr]
    code: list[ast.AST]  # python callable / TaskFlow body and the local functions it calls
    dag: DagDef | None = None
    overrides: list[dict[str, ast.expr]] = field(default_factory=list)

    @property
    def is_taskflow(self) -> bool:
        return isinstance(self.node, FUNCTION_TYPES)

    @property
    def label(self) -> str:
        task_id = self.kwargs.get("task_id")
        if isinstance(task_id, ast.Constant) and isinstance(task_id.value, str):
            return task_id.value
        if isinstance(self.node, FUNCTION_TYPES):
            return self.node.name
        return self.operator.rsplit(".", 1)[-1]


@dataclass(eq=False)
class Unit:
    """Code that runs as one task: the place where idempotence has to hold."""

    task: TaskDef | None
    roots: list[ast.AST]
    name: str
    src: SourceFile
    # what the task passes to the callable's parameters (op_kwargs), as text
    arguments: dict[str, str] = field(default_factory=dict)

    @cached_property
    def nodes(self) -> list[ast.AST]:
        seen: set[int] = set()
        result = []
        for root in self.roots:
            for node in self.src.walk(root):
                if id(node) not in seen:
                    seen.add(id(node))
                    result.append(node)
        return result

    def walk(self) -> Iterator[ast.AST]:
        return iter(self.nodes)

    @cached_property
    def text(self) -> str:
        """Source of everything the task runs, for textual clues such as period names."""
        parts = [self.src.segment(root) for root in self.roots]
        return "\n".join(parts)


class AirflowModel:
    """The DAGs and tasks of one file, found without importing it."""

    def __init__(self, src: SourceFile):
        self.src = src
        self.dags: list[DagDef] = []
        self.tasks: list[TaskDef] = []
        self.group_defaults: dict[ast.AST, ast.expr] = {}
        self.dag_functions: set[ast.AST] = set()  # @dag and @task_group bodies: parse-time code
        self._find()

    # -- discovery -------------------------------------------------------------------------

    def _find(self) -> None:
        src = self.src
        for node in src.nodes:
            if isinstance(node, ast.Call):
                name = src.call_name(node)
                last = name.rsplit(".", 1)[-1]
                if last in _DAG_CLASSES and _is_airflowish(name, last):
                    self._add_dag_call(node)
                elif last in _GROUP_CLASSES:
                    defaults = _kwargs(self.src, node).get("default_args")
                    if defaults is not None:
                        self.group_defaults[node] = defaults
            elif isinstance(node, FUNCTION_TYPES):
                self._classify_function(node)
        for node in src.nodes:
            if isinstance(node, ast.Call) and self._is_operator_call(node):
                kwargs = _kwargs(self.src, node)
                code: list[ast.AST] = []
                target = kwargs.get("python_callable")
                if isinstance(target, ast.Call) and target.args:  # functools.partial(fn, ...)
                    target = target.args[0]
                parent = src.parents.get(node)
                if target is None and isinstance(parent, ast.Call) and parent.func is node:
                    # task(task_id="x", pool="p")(function): the decorator applied by hand
                    target = parent.args[0] if parent.args else None
                if isinstance(target, ast.Lambda):
                    code.append(target)
                elif isinstance(target, ast.Name) and target.id not in src.imports:
                    code.extend(src.functions.get(target.id, []))
                self.tasks.append(
                    TaskDef(node, self._operator_name(node), kwargs, self.closure(code))
                )
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Call):
                inner = node.func
                if isinstance(inner.func, ast.Attribute) and inner.func.attr == "override":
                    for task in self.tasks:
                        if task.is_taskflow and any(
                            f is task.node for f in src.local_functions(node)
                        ):
                            task.overrides.append(_kwargs(self.src, inner))
        # source order, so that "the first DAG" and report order follow the file
        self.dags.sort(key=lambda d: (d.node.lineno, d.node.col_offset))  # type: ignore[attr-defined]
        self.tasks.sort(key=lambda t: (t.node.lineno, t.node.col_offset))  # type: ignore[attr-defined]
        for task in self.tasks:
            task.dag = self.dag_of(task.node, task.kwargs.get("dag"))

    def _add_dag_call(self, call: ast.Call) -> None:
        kwargs = _kwargs(self.src, call)
        if call.args and "dag_id" not in kwargs:
            kwargs["dag_id"] = call.args[0]
        parent = self.src.parents.get(call)
        dag = DagDef(call, kwargs, None, anchor=call)
        if isinstance(parent, ast.withitem):
            dag.region = self.src.parents.get(parent)
            if isinstance(parent.optional_vars, ast.Name):
                dag.names.add(parent.optional_vars.id)
        elif isinstance(parent, ast.Assign):
            dag.names.update(t.id for t in parent.targets if isinstance(t, ast.Name))
        self.dags.append(dag)

    def _classify_function(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        src = self.src
        for deco in func.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            name = src.qualname(target) or ""
            parts = name.split(".")
            kwargs = _kwargs(self.src, deco) if isinstance(deco, ast.Call) else {}
            if parts[-1] == "dag" and _is_airflowish(name, "dag"):
                self.dags.append(DagDef(func, kwargs, func, {func.name}, anchor=deco))
                self.dag_functions.add(func)
            elif parts[-1] == "task_group" and _is_airflowish(name, "task_group"):
                self.dag_functions.add(func)
                if "default_args" in kwargs:
                    self.group_defaults[func] = kwargs["default_args"]
            elif "task" in parts and _is_airflowish(name, "task"):
                operator = ".".join(parts[parts.index("task") :])
                self.tasks.append(TaskDef(func, operator, kwargs, self.closure([func])))
            elif parts[-1] in _TASK_DECORATORS and _is_airflowish(name, parts[-1]):
                # the older spellings of @task.branch and its kin
                operator = "task." + parts[-1].removesuffix("_task")
                self.tasks.append(TaskDef(func, operator, kwargs, self.closure([func])))
            elif "asset" in parts[-2:] and _is_airflowish(name, "asset"):
                dag = DagDef(func, kwargs, func, {func.name}, anchor=deco)
                self.dags.append(dag)
                self.tasks.append(TaskDef(func, "asset", kwargs, self.closure([func]), dag))

    def _is_operator_call(self, call: ast.Call) -> bool:
        if not any(kw.arg == "task_id" for kw in call.keywords):
            return False
        parent = self.src.parents.get(call)
        if isinstance(parent, FUNCTION_TYPES) and call in parent.decorator_list:
            return False  # @task(task_id=...) is the TaskFlow task itself
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "override":
            return False
        name = self.src.call_name(call).rsplit(".", 1)[-1]
        return name not in _DAG_CLASSES and name not in _GROUP_CLASSES

    def _operator_name(self, call: ast.Call) -> str:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "partial":
            func = func.value
        return self.src.qualname(func) or ""

    def dag_of(self, node: ast.AST, dag_kwarg: ast.expr | None) -> DagDef | None:
        if isinstance(dag_kwarg, ast.Name):
            for dag in self.dags:
                if dag_kwarg.id in dag.names:
                    return dag
        for ancestor in self.src.ancestors(node):
            for dag in self.dags:
                if dag.region is ancestor:
                    return dag
        return self.dags[0] if len(self.dags) == 1 else None

    # -- code reachability -----------------------------------------------------------------

    def closure(self, roots: list[ast.AST]) -> list[ast.AST]:
        """``roots`` plus every function of this file they call or pass along."""
        src = self.src
        result: list[ast.AST] = []
        seen: set[int] = set()
        queue = list(roots)
        while queue:
            node = queue.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            result.append(node)
            for sub in src.walk(node):
                if isinstance(sub, ast.Call):
                    queue.extend(f for f in src.local_functions(sub) if f not in self.dag_functions)
                elif (
                    isinstance(sub, ast.Name)
                    and isinstance(sub.ctx, ast.Load)
                    and sub.id in src.functions
                    and sub.id not in src.imports
                ):
                    queue.extend(f for f in src.functions[sub.id] if f not in self.dag_functions)
        return result

    @cached_property
    def units(self) -> list[Unit]:
        """One unit per task, plus one per function no task reaches (helpers, custom operators)."""
        units: list[Unit] = []
        covered: set[int] = set()
        task_functions = {id(t.node) for t in self.tasks if t.is_taskflow}
        for task in self.tasks:
            roots = [*task.code] if task.is_taskflow else [task.node, *task.code]
            units.append(Unit(task, roots, task.label, self.src, self.task_arguments(task)))
            for root in task.code:
                covered.update(id(n) for n in self.src.walk(root) if isinstance(n, FUNCTION_TYPES))
        called: set[int] = set()
        for functions in self.src.functions.values():
            for func in functions:
                for sub in self.src.walk(func):
                    if sub is func:
                        continue
                    if isinstance(sub, FUNCTION_TYPES):
                        called.add(id(sub))
                    elif isinstance(sub, ast.Call):
                        called.update(id(f) for f in self.src.local_functions(sub) if f is not func)
        for functions in self.src.functions.values():
            for func in functions:
                if (
                    id(func) in covered
                    or id(func) in called
                    or id(func) in task_functions
                    or func in self.dag_functions
                ):
                    continue
                units.append(Unit(None, self.closure([func]), func.name, self.src))
        return units

    def task_arguments(self, task: TaskDef) -> dict[str, str]:
        """The text of each ``op_kwargs`` entry a classic task hands its callable."""
        entries = self.src.dict_entries(task.kwargs.get("op_kwargs")) or {}
        texts = {key: self.src.string(value) for key, value in entries.items()}
        return {key: text for key, text in texts.items() if text is not None}

    # -- settings --------------------------------------------------------------------------

    def default_args(self, dag: DagDef | None) -> dict[str, ast.expr]:
        if dag is None:
            return {}
        return self.src.dict_entries(dag.kwargs.get("default_args")) or {}

    def task_setting(self, task: TaskDef, key: str) -> ast.expr | None:
        """The expression that sets ``key`` for ``task``, following Airflow's precedence."""
        for override in reversed(task.overrides):
            if key in override:
                return override[key]
        if key in task.kwargs:
            return task.kwargs[key]
        own = self.src.dict_entries(task.kwargs.get("default_args")) or {}
        if key in own:
            return own[key]
        for ancestor in self.src.ancestors(task.node):
            defaults = None
            if isinstance(ancestor, ast.With):
                for item in ancestor.items:
                    if item.context_expr in self.group_defaults:
                        defaults = self.group_defaults[item.context_expr]
            elif ancestor in self.group_defaults:
                defaults = self.group_defaults[ancestor]
            entries = self.src.dict_entries(defaults) if defaults is not None else None
            if entries and key in entries:
                return entries[key]
        return self.default_args(task.dag).get(key)

    @cached_property
    def airflow_major(self) -> int:
        """2 or 3, from the imports and DAG arguments; Airflow 2 when nothing says otherwise."""
        modules = set(self.src.imports.values())
        for node in self.src.tree.body:
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module)
        if any(m == "airflow.sdk" or m.startswith("airflow.sdk.") for m in modules):
            return 3
        if any("schedule_interval" in d.kwargs or "timetable" in d.kwargs for d in self.dags):
            return 2
        legacy = (
            "airflow.operators.",
            "airflow.sensors.",
            "airflow.contrib",
            "airflow.utils.dates",
        )
        if any(m.startswith(legacy) for m in modules):
            return 2
        if any("schedule" in d.kwargs for d in self.dags):
            return 3
        if any(m.startswith("airflow.providers.standard") for m in modules):
            return 3
        return 2


def _kwargs(src: SourceFile, call: ast.Call) -> dict[str, ast.expr]:
    # ``DAG(**dag_args)`` with ``dag_args = dict(...)`` or a dict literal: its entries are
    # arguments like the others; explicit keywords win over the unpacked ones
    unpacked: dict[str, ast.expr] = {}
    for kw in call.keywords:
        if kw.arg is None:
            unpacked.update(src.dict_entries(kw.value) or {})
    return {**unpacked, **{kw.arg: kw.value for kw in call.keywords if kw.arg is not None}}


_TASK_DECORATORS = frozenset(
    {"branch_task", "short_circuit_task", "sensor_task", "virtualenv_task", "docker_task"}
)


def _is_airflowish(qualname: str, bare: str) -> bool:
    """``bare`` from Airflow (or Cosmos), or used unimported as Airflow code does."""
    return qualname == bare or qualname.startswith(("airflow", "cosmos")) or "." not in qualname
