"""Backfill throughput through the real Airflow scheduler: months in parallel against one at a time.

    python -m benchmarks.backfill [--json] [--months N]

Starts a private stack in a temporary state dir (embedded PostgreSQL; Airflow api-server,
scheduler, dag-processor and triggerer on the LocalExecutor) and serves N synthetic months (the
real January 2024 rows moved in time, cached in benchmarks/.cache/months) from a mirror on
127.0.0.1, so the tasks download through the same code path as from TLC. It then backfills the
N months twice, each time into a freshly created warehouse database:

- parallel: ``airflow backfill create`` as ``taxi-pipeline backfill`` issues it: several months
            load at once, while dbt_run and dbt_test queue on the one-slot ``dbt`` pool
- serial:   the same months again (reprocessed) with ``--max-active-runs 1``: one month at a time

For each mode it reports, from Airflow's metadata database, the wall time (backfill created ->
last run finished) and where it went: the seconds of each task summed over the months (in
parallel they overlap, so they add up to more than the wall time), the ingest task split into
the warehouse load (as the task reports it) and the rest (download, parquet checks, task
start-up), and the Airflow overhead: wall time during which no task of the backfill was running
(scheduling, queueing, starting task processes). The speed-up is serial wall / parallel wall.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg import sql

from benchmarks.dbt_incremental import CACHE, synthetic_month
from taxi_pipeline.local_stack import LocalStack
from taxi_pipeline.localpg import EmbeddedPostgres
from taxi_pipeline.months import Month, month_range
from taxi_pipeline.settings import Settings
from taxi_pipeline.tlc_mirror import TlcMirror

FIRST_MONTH = Month(2025, 1)
MAX_MONTHS = 12
WAREHOUSE_DB = "bench_backfill"
INGEST, DBT_RUN, DBT_TEST = "ingest_taxi_month", "dbt_run", "dbt_test"
BUCKETS = ("ingest_load", "ingest_other", DBT_RUN, DBT_TEST)
RUN_TIMEOUT_S = 1200
# Unpausing the DAG (catchup off) creates the run of the latest complete month, which the mirror
# does not serve; its first try ends in up_for_reschedule within seconds.
STRAY_RUN_WAIT_S = 90
# Backfill max_active_runs per mode; None keeps Airflow's default, as `taxi-pipeline backfill`.
MODES = {"parallel": None, "serial": 1}


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def fresh_database(pg: EmbeddedPostgres, name: str) -> None:
    """An empty database ``name``, dropped first if it exists."""
    info = pg.connection()
    with psycopg.connect(info.url("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def wait_for_stray_run(stack: LocalStack) -> None:
    """Let the run that unpausing created make its first try, so it competes with no backfill."""
    deadline = time.monotonic() + STRAY_RUN_WAIT_S
    while time.monotonic() < deadline:
        if any(ti["state"] == "up_for_reschedule" for ti in stack.airflow.task_instances()):
            return
        time.sleep(1)


def backfill(stack: LocalStack, months: list[Month], mode: str, max_active_runs: int | None):
    """Backfill ``months``; returns the backfill's id and run ids once every run has finished."""
    progress(f"[{mode}] backfilling {months[0]} .. {months[-1]} ...")
    backfill_id = stack.airflow.create_backfill(
        months[0],
        months[-1],
        # The second mode re-runs months the first one completed.
        reprocess="completed",
        max_active_runs=max_active_runs,
    )
    run_ids = stack.backfill_run_ids(backfill_id)
    stack.wait(run_ids, echo=lambda line: progress(f"[{mode}] {line}"), timeout_s=RUN_TIMEOUT_S)
    return backfill_id, run_ids


def figures(stack: LocalStack, backfill_id: int, run_ids: list[str]) -> dict:
    """Where the backfill's wall time went, from the metadata database and the task results."""
    with stack.airflow.metadata() as conn:
        created_at, max_active_runs = conn.execute(
            "select created_at, max_active_runs from backfill where id = %s", (backfill_id,)
        ).fetchone()
    runs = stack.airflow.backfill_runs(backfill_id)
    wall_s = (max(r["end_date"] for r in runs) - created_at).total_seconds()
    wanted = set(run_ids)
    tasks = [
        ti
        for ti in stack.airflow.task_instances()
        # A task that never ran (its upstream failed) has no start or end.
        if ti["run_id"] in wanted and ti["start_date"] and ti["end_date"]
    ]
    task_seconds = dict.fromkeys((INGEST, DBT_RUN, DBT_TEST), 0.0)
    for ti in tasks:
        task_seconds[ti["task_id"]] += (ti["end_date"] - ti["start_date"]).total_seconds()
    # What each task returned: the ingest task reports its warehouse load's seconds.
    results = stack.task_results(run_ids)
    load_s = sum((results.get((run_id, INGEST)) or {}).get("seconds", 0.0) for run_id in run_ids)
    buckets = {
        "ingest_load": load_s,
        "ingest_other": task_seconds[INGEST] - load_s,
        DBT_RUN: task_seconds[DBT_RUN],
        DBT_TEST: task_seconds[DBT_TEST],
    }
    busy_s = covered_seconds([(ti["start_date"], ti["end_date"]) for ti in tasks])
    summaries = stack.month_summaries(run_ids)
    return {
        "max_active_runs": max_active_runs,
        "wall_s": round(wall_s, 1),
        "task_seconds": {name: round(seconds, 1) for name, seconds in buckets.items()},
        "airflow_overhead_s": round(wall_s - busy_s, 1),
        "months_succeeded": sum(s.state == "success" for s in summaries),
        "rows_loaded": sum(s.rows_loaded or 0 for s in summaries),
    }


def covered_seconds(intervals: list[tuple[datetime, datetime]]) -> float:
    """Seconds during which at least one of the intervals is open."""
    total, reach = 0.0, None
    for start, end in sorted(intervals):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += (end - start).total_seconds()
        reach = end if reach is None else max(reach, end)
    return total


def measure(months: list[Month]) -> dict:
    for month in months:
        synthetic_month(month)
    with contextlib.ExitStack() as cleanup:
        scratch = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
        cleanup.callback(shutil.rmtree, scratch, ignore_errors=True)
        mirror = TlcMirror(CACHE).start()
        cleanup.callback(mirror.stop)
        pg = EmbeddedPostgres(scratch / "state")
        cleanup.callback(pg.destroy)
        stack = LocalStack(
            Settings(
                state_dir=scratch / "state",
                tlc_base_url=mirror.base_url,
                # Created afresh before each mode.
                warehouse_url=pg.start().url(WAREHOUSE_DB),
            )
        )
        cleanup.callback(stack.down)
        started = time.monotonic()
        stack.up(prefer_tlc=False, echo=lambda line: progress(f"[setup] {line}"))
        wait_for_stray_run(stack)
        progress(f"[setup] stack ready in {time.monotonic() - started:.0f}s")

        report: dict = {"months": len(months), "executor_slots": stack.airflow.parallelism}
        backfill_id = None
        for mode, max_active_runs in MODES.items():
            if backfill_id is not None:
                # One unfinished backfill per DAG at a time, and the scheduler marks the
                # previous one finished only every 30 s or so.
                stack.airflow.wait_for_backfill(backfill_id)
            fresh_database(pg, WAREHOUSE_DB)
            backfill_id, run_ids = backfill(stack, months, mode, max_active_runs)
            report[mode] = figures(stack, backfill_id, run_ids)
        progress("[teardown] stopping Airflow and PostgreSQL ...")
    report["speedup"] = round(report["serial"]["wall_s"] / report["parallel"]["wall_s"], 2)
    return report


def print_table(report: dict) -> None:
    parallel, serial = report["parallel"], report["serial"]
    print(
        f"backfill of {report['months']} months through the Airflow scheduler "
        f"(LocalExecutor, {report['executor_slots']} slots)"
    )
    print(f"{'':<36} {'parallel':>10} {'serial':>10}")
    rows = [
        ("max active runs", parallel["max_active_runs"], serial["max_active_runs"]),
        ("months succeeded", parallel["months_succeeded"], serial["months_succeeded"]),
    ]
    for label, left, right in rows:
        print(f"{label:<36} {left:>10} {right:>10}")
    print(f"{'wall time':<36} {parallel['wall_s']:>9.1f}s {serial['wall_s']:>9.1f}s")
    print("task seconds, summed over the months:")
    labels = {
        "ingest_load": "ingest: warehouse load",
        "ingest_other": "ingest: download, checks, start-up",
        DBT_RUN: "dbt_run (seeds and models)",
        DBT_TEST: "dbt_test",
    }
    for bucket in BUCKETS:
        left, right = parallel["task_seconds"][bucket], serial["task_seconds"][bucket]
        print(f"  {labels[bucket]:<34} {left:>9.1f}s {right:>9.1f}s")
    print(
        f"{'Airflow overhead (no task running)':<36} {parallel['airflow_overhead_s']:>9.1f}s "
        f"{serial['airflow_overhead_s']:>9.1f}s"
    )
    print(f"speed-up (serial wall / parallel wall): {report['speedup']:.2f}x")
    print("(in parallel the task seconds overlap, so they add up to more than the wall time)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.backfill",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--months", type=int, default=6, help=f"months to backfill, 1..{MAX_MONTHS} (default 6)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.months <= MAX_MONTHS:
        parser.error(f"--months must be between 1 and {MAX_MONTHS}")
    # A terminated run (a CI timeout, kill) unwinds like Ctrl-C: what it started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))

    last = FIRST_MONTH
    for _ in range(args.months - 1):
        last = last.next()
    report = measure(month_range(FIRST_MONTH, last))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    failed = [mode for mode in MODES if report[mode]["months_succeeded"] != report["months"]]
    if failed:
        progress(
            f"some months failed ({', '.join(failed)}): the figures do not compare like for like"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
