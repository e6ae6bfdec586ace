"""TP007: an Airflow 2 DAG without a start_date never loads.

Airflow 2 raises ``DAG is missing the start_date parameter`` as soon as a task is added to a
DAG that has no ``start_date`` (neither its own nor in ``default_args``), which happens while
the file is imported: the DAG never appears. Airflow 3 accepts such a DAG, so it is reported
only where Airflow 2 is certain (the project deploys it, or the DAG passes
``schedule_interval``), and not for a DAG whose arguments come from somewhere this file cannot
see (``**kwargs``, a factory's parameters).
"""

from __future__ import annotations

import ast

from airflow_trap_check.base import FileContext
from airflow_trap_check.rules.airflow3_imports import project_airflow_major


def check(ctx: FileContext) -> None:
    model = ctx.model
    deployed = project_airflow_major(ctx.project_root) if ctx.project_root is not None else None
    if model.airflow_major >= 3 or deployed == 3:
        return
    for dag in model.dags:
        if not isinstance(dag.node, ast.Call) or "start_date" in dag.kwargs:
            continue
        # only where Airflow 2 is certain: deployed, or a DAG argument Airflow 3 no longer has
        if deployed != 2 and "schedule_interval" not in dag.kwargs:
            continue
        if any(kw.arg is None for kw in dag.node.keywords):
            continue  # DAG(**settings): the arguments are not all in sight
        if "default_args" in dag.kwargs:
            defaults = ctx.src.dict_entries(dag.kwargs["default_args"])
            if defaults is None or "start_date" in defaults:
                continue
        if not any(task.dag is dag or model.dag_of(task.node, None) is dag for task in model.tasks):
            continue
        ctx.report(
            "TP007",
            dag.anchor or dag.node,
            "the DAG has no start_date (nor in default_args): Airflow 2 refuses its tasks while "
            'the file is imported ("DAG is missing the start_date parameter"), so the DAG '
            "never loads",
        )
