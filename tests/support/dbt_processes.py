"""dbt in processes of its own: several runs at once against one schema, as independent dbt CLI
calls would make them, and a run in a process forked from a warmed-up one, as Airflow's task
processes are forked from the scheduler.

dbt allows one programmatic invocation per process, so each run gets a process of its own.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from taxi_pipeline.core.dbt import run_dbt, warm_up
from taxi_pipeline.core.dbt_results import DbtResult
from taxi_pipeline.core.months import Month


def _dbt_run(url: str, work_dir: Path) -> DbtResult:
    return run_dbt("run", url, work_dir, target_schema="analytics")


@contextmanager
def concurrent_dbt_runs(
    url: str, work_dir: Path, count: int = 3
) -> Iterator[Callable[[], list[DbtResult]]]:
    """A function that starts ``count`` ``dbt run`` at once and returns their results.

    The processes live for the block, so that repeated rounds start together, dbt already loaded.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(count, mp_context=context) as pool:

        def round_of_runs() -> list[DbtResult]:
            # Each run has a target dir of its own, as separate checkouts or CI jobs would.
            dirs = [work_dir / f"concurrent-{n}" for n in range(count)]
            return list(pool.map(_dbt_run, [url] * count, dirs))

        yield round_of_runs


def _dbt_build(url: str, work_dir: Path, month: Month) -> DbtResult:
    return run_dbt("build", url, work_dir, target_schema="analytics", months=[month])


def _warm_up_then_fork_a_build(url: str, work_dir: Path, month: Month) -> DbtResult:
    warm_up()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        return pool.submit(_dbt_build, url, work_dir, month).result()


def build_forked_after_warm_up(
    url: str, work_dir: Path, month: Month, timeout_s: float
) -> DbtResult:
    """``dbt build`` of ``month`` in a process forked from a fresh one that ran ``warm_up``."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_warm_up_then_fork_a_build, url, work_dir, month).result(timeout_s)
