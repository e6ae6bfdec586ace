"""TP010: a DAG without a runbook.

Whoever is paged for a failed run needs to know how to rerun, backfill and recover it. A file
that defines a DAG needs the runbook (``RUNBOOK.md`` unless configured otherwise, matched without
regard to case) in its own folder or at the root of its repository: the nearest folder above it
holding ``.git`` or ``pyproject.toml``.
"""

from __future__ import annotations

import os
from pathlib import Path

from airflow_trap_check.base import FileContext

_LISTINGS: dict[Path, frozenset[str]] = {}


def check(ctx: FileContext) -> None:
    if not ctx.model.dags:
        return
    folder = ctx.src.path.parent
    places = [folder]
    if ctx.project_root is not None and ctx.project_root != folder:
        places.append(ctx.project_root)
    wanted = ctx.runbook_name.lower()
    if any(wanted in _listing(place) for place in places):
        return
    where = (
        "next to the DAG"
        if ctx.project_root in (None, folder)
        else ("next to the DAG or at the repository root")
    )
    dag = ctx.model.dags[0]
    ctx.report(
        "TP010",
        dag.anchor or dag.node,
        f"no {ctx.runbook_name} {where}: whoever is paged for this DAG has no written way to "
        "rerun, backfill or recover it",
    )


def _listing(folder: Path) -> frozenset[str]:
    cached = _LISTINGS.get(folder)
    if cached is None:
        try:
            cached = frozenset(name.lower() for name in os.listdir(folder))
        except OSError:
            cached = frozenset()
        _LISTINGS[folder] = cached
    return cached
