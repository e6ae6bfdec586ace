"""dbt cost per month as history grows: incremental models against a full rebuild.

    python -m benchmarks.dbt_incremental [--json] [--history 1,6,12]

For each history size H, a fresh database holds H months plus the month being processed (months
made from the real January 2024 rows, shifted in time). The models are built once for the history
(not timed), then the benchmark times processing the new month two ways, in the same run:

- incremental: ``dbt run`` of the new month only (``TAXI_DBT_MONTHS``), what the pipeline does
- full rebuild: ``dbt run --full-refresh``, what a pipeline without incremental models does

It prints the seconds per month processed (model execution time from dbt's run_results, and the
whole invocation's wall time, which includes dbt's fixed start-up). Incremental stays flat as H
grows; a full rebuild grows with H.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from taxi_pipeline.core.dbt import run_dbt
from taxi_pipeline.core.months import Month, month_range
from taxi_pipeline.core.schema import GREEN
from taxi_pipeline.core.source import local_file
from taxi_pipeline.core.warehouse import Warehouse
from taxi_pipeline.local.postgres import EmbeddedPostgres

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "benchmarks" / ".cache" / "months"
BASE_FILE = REPO / "data" / "tlc" / "green_tripdata_2024-01.parquet"
BASE_MONTH = Month(2024, 1)
NEW_MONTH = Month(2026, 1)
MODELS = ("fct_trips", "mart_monthly_summary")


def synthetic_month(month: Month) -> Path:
    """The January 2024 rows moved to ``month`` (cached)."""
    path = CACHE / f"green_tripdata_{month}.parquet"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    table = pq.read_table(BASE_FILE)
    shift = pa.scalar(month.first_day - BASE_MONTH.first_day, pa.duration("us"))
    for column in ("lpep_pickup_datetime", "lpep_dropoff_datetime"):
        index = table.schema.get_field_index(column)
        table = table.set_column(index, column, pc.add(table.column(index), shift))
    # Written aside and renamed: a reader in another process never sees half a file.
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    pq.write_table(table, partial)
    partial.replace(path)
    return path


def load(url: str, month: Month) -> None:
    path = synthetic_month(month)
    Warehouse(url, GREEN).load_month(month, local_file(path))


def timed_run(url: str, work: Path, **kwargs) -> tuple[float, float]:
    start = time.perf_counter()
    result = run_dbt("run", url, work, target_schema="analytics", **kwargs)
    wall = time.perf_counter() - start
    if not result.success:
        raise SystemExit(f"dbt run failed: {result.output_tail[-2000:]}")
    return sum(result.node_seconds.get(m, 0.0) for m in MODELS), wall


def full_refresh(url: str, work: Path) -> tuple[float, float]:
    start = time.perf_counter()
    result = run_dbt(
        "run",
        url,
        work,
        target_schema="analytics",
        select=["+mart_monthly_summary"],
        full_refresh=True,
    )
    wall = time.perf_counter() - start
    if not result.success:
        raise SystemExit(f"dbt run --full-refresh failed: {result.output_tail[-2000:]}")
    return sum(result.node_seconds.get(m, 0.0) for m in MODELS), wall


def measure(pg: EmbeddedPostgres, history: int, work: Path) -> dict:
    info = pg.connection()
    name = f"bench_h{history}"
    with psycopg.connect(info.url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    url = info.url(name)
    past = month_range(_months_before(NEW_MONTH, history), NEW_MONTH.previous())
    print(f"[history {history}] loading {len(past) + 1} months ...", file=sys.stderr, flush=True)
    for month in [*past, NEW_MONTH]:
        load(url, month)
    seed = run_dbt("seed", url, work, target_schema="analytics")
    if not seed.success:
        raise SystemExit(f"dbt seed failed: {seed.output_tail[-2000:]}")
    for month in past:
        timed_run(url, work, months=[month])
    print(f"[history {history}] timing month {NEW_MONTH} ...", file=sys.stderr, flush=True)
    incremental_models, incremental_wall = timed_run(url, work, months=[NEW_MONTH])
    full_models, full_wall = full_refresh(url, work)
    with psycopg.connect(info.url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database "{name}" with (force)')
    return {
        "history_months": history,
        "incremental_model_s": round(incremental_models, 3),
        "incremental_wall_s": round(incremental_wall, 2),
        "full_rebuild_model_s": round(full_models, 3),
        "full_rebuild_wall_s": round(full_wall, 2),
    }


def _months_before(month: Month, count: int) -> Month:
    for _ in range(count):
        month = month.previous()
    return month


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dbt_incremental",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--history", default="1,6,12", help="history sizes (default 1,6,12)")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.history.split(",")]

    scratch = Path(tempfile.mkdtemp(prefix="bench-dbt-"))
    pg = EmbeddedPostgres(scratch / "state")
    try:
        pg.start()
        rows = [measure(pg, h, scratch / "work") for h in sizes]
    finally:
        pg.destroy()
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        print(json.dumps({"new_month": str(NEW_MONTH), "runs": rows}, indent=2))
        return 0
    print(f"processing one month ({NEW_MONTH}) with H months already loaded; seconds per month")
    print(f"{'H':>3} {'incremental':>12} {'full rebuild':>13} {'incr. wall':>11} {'full wall':>10}")
    for r in rows:
        print(
            f"{r['history_months']:>3} {r['incremental_model_s']:>11.2f}s "
            f"{r['full_rebuild_model_s']:>12.2f}s {r['incremental_wall_s']:>10.1f}s "
            f"{r['full_rebuild_wall_s']:>9.1f}s"
        )
    print("(model seconds: fct_trips + mart_monthly_summary execution; wall: the whole dbt run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
