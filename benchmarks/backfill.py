"""Months through the real Airflow scheduler: the classic teaching DAG against the project's.

    python -m benchmarks.backfill [--json] [--months N] [--arms parallel,classic,serial,single]

Starts a private stack in a temporary state dir (embedded PostgreSQL; Airflow api-server,
scheduler, dag-processor and triggerer on the LocalExecutor) whose DAG folder holds the project's
DAG (``taxi_pipeline``) and the classic baseline (``benchmarks/classic/taxi_classic.py``,
``taxi_classic``), and serves N synthetic months (the real January 2024 rows moved in time,
cached in benchmarks/.cache/months) from a mirror on 127.0.0.1, so both download through HTTP as
from TLC. The months end at a fixed, long-published month, so no run waits for publication. Each
arm runs into a freshly created warehouse database:

- classic:  ``taxi_classic`` backfilled with ``--max-active-runs 1``: per month a ``requests``
            download, ``pandas.to_sql``, then ``dbt run`` and ``dbt test`` on the CLI
- parallel: ``taxi_pipeline`` backfilled as ``taxi-pipeline backfill`` does: several months load
            at once, while dbt_run and dbt_test queue on the one-slot ``dbt`` pool
- serial:   ``taxi_pipeline`` backfilled with ``--max-active-runs 1``: one month at a time
- single:   the last month alone, triggered in each DAG as ``taxi-pipeline run --month`` does:
            seconds from the trigger to the run's end

For each backfill it reports, from Airflow's metadata database, the wall time (backfill created ->
last run finished), the seconds per month and where they went: the seconds of each task summed
over the months (in parallel they overlap, so they add up to more than the wall time), the
ingest task split into the warehouse load (as the task reports it) and the rest (download,
parquet checks, task start-up), dbt's own start-up and parse within the project's dbt tasks (when
they report it; the classic's dbt CLI calls cannot be seen into), and the Airflow overhead: wall
time during which no task of the arm was running (scheduling, queueing, starting task processes).
The ratios (classic / project, serial / parallel) are measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg import sql

from benchmarks.dbt_incremental import CACHE, synthetic_month
from taxi_pipeline.core.dbt import run_dbt
from taxi_pipeline.core.months import Month, month_range
from taxi_pipeline.core.names import DAG_ID
from taxi_pipeline.core.settings import Settings
from taxi_pipeline.local.airflow import REPO_DAGS_FOLDER, LocalAirflow
from taxi_pipeline.local.airflow_metadata import TERMINAL_RUN_STATES
from taxi_pipeline.local.postgres import EmbeddedPostgres
from taxi_pipeline.local.stack import LocalStack
from taxi_pipeline.local.tlc_mirror import TlcMirror

CLASSIC_DAG_FILE = Path(__file__).resolve().parent / "classic" / "taxi_classic.py"
# As in the classic DAG file, which is not imported here: Airflow would make itself a home.
CLASSIC_DAG_ID = "taxi_classic"
CLASSIC_DBT_SCHEMA = "analytics"
# The last month of every range: fixed, so that results compare across days, and months before
# the run's date by more than TLC's publication lag, so that the DAG never waits for one.
LAST_MONTH = Month(2026, 6)
MAX_MONTHS = 120
WAREHOUSE_DB = "bench_backfill"
# Seeded once while Airflow starts; each classic arm's warehouse is a copy of it.
CLASSIC_TEMPLATE_DB = "bench_backfill_classic"
INGEST, DBT_RUN, DBT_TEST = "ingest_taxi_month", "dbt_run", "dbt_test"
# The phases of a dbt invocation, as the project's dbt tasks report them (taxi_pipeline.core.dbt).
DBT_PHASES = ("import", "parse", "prepare", "nodes", "finish", "connections")
DBT_PHASE_LABELS = {
    "import": "import (0: preloaded)",
    "parse": "parse",
    "prepare": "cache, graph",
    "nodes": "nodes (SQL, hooks)",
    "finish": "artifacts",
    "connections": "of which connecting",
}
BUCKETS = ("ingest_load", "ingest_other", DBT_RUN, DBT_TEST)
RUN_TIMEOUT_S = 3600
# Unpausing a DAG (catchup off) creates the run of the latest complete month, which the mirror
# does not serve: the project's first try ends in up_for_reschedule, the classic's run fails,
# each within seconds.
STRAY_RUN_WAIT_S = 120
# Backfill arms: the DAG, and the backfill's max_active_runs (None keeps Airflow's default, as
# `taxi-pipeline backfill`).
# In the order they run: the classic between the project's two, so that the parallel arm's
# backfill is marked finished before the serial one starts on the same DAG.
BACKFILL_ARMS = {
    "parallel": (DAG_ID, None),
    "classic": (CLASSIC_DAG_ID, 1),
    "serial": (DAG_ID, 1),
}
ARMS = (*BACKFILL_ARMS, "single")


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def benchmark_months(count: int) -> list[Month]:
    """``count`` months ending at ``LAST_MONTH``."""
    first = LAST_MONTH
    for _ in range(count - 1):
        first = first.previous()
    return month_range(first, LAST_MONTH)


def dags_folder(scratch: Path) -> Path:
    """A DAG folder for the private Airflow: the project's DAG files and the classic one."""
    folder = scratch / "dags"
    folder.mkdir()
    for dag_file in [*REPO_DAGS_FOLDER.glob("*.py"), CLASSIC_DAG_FILE]:
        (folder / dag_file.name).symlink_to(dag_file)
    return folder


def fresh_database(pg: EmbeddedPostgres, name: str, template: str | None = None) -> None:
    """A database ``name``, empty or a copy of ``template``, dropped first if it exists."""
    info = pg.connection()
    create = sql.SQL("create database {}").format(sql.Identifier(name))
    if template:
        create += sql.SQL(" template {}").format(sql.Identifier(template))
    with psycopg.connect(info.url("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        conn.execute(create)


def seed_classic(warehouse_url: str, work: Path) -> float:
    """The classic DAG's one-off setup: the zones seed loaded with ``dbt seed``; seconds taken.

    Run in a process of its own (dbt's first invocation in a process imports and parses for half
    a minute), so that it overlaps Airflow's start and leaves this process's environment alone.
    """
    started = time.monotonic()
    seeded = run_dbt("seed", warehouse_url, work, target_schema=CLASSIC_DBT_SCHEMA)
    if not seeded.success:
        raise SystemExit(f"dbt seed for the classic DAG failed:\n{seeded.output_tail}")
    return time.monotonic() - started


def fresh_warehouse(pg: EmbeddedPostgres, dag_id: str) -> None:
    """An empty warehouse; for the classic DAG a copy of the seeded one (its one-off setup)."""
    template = CLASSIC_TEMPLATE_DB if dag_id == CLASSIC_DAG_ID else None
    fresh_database(pg, WAREHOUSE_DB, template)


def settle_stray_runs(airflow: LocalAirflow, dag_ids: list[str]) -> None:
    """Let the runs that unpausing created make their first try, so they compete with no arm."""
    deadline = time.monotonic() + STRAY_RUN_WAIT_S

    def settled(dag_id: str) -> bool:
        if dag_id == CLASSIC_DAG_ID:
            runs = airflow.dag_runs(dag_id)
            return bool(runs) and all(r["state"] in TERMINAL_RUN_STATES for r in runs)
        return any(ti["state"] == "up_for_reschedule" for ti in airflow.task_instances(dag_id))

    while not all(settled(dag_id) for dag_id in dag_ids) and time.monotonic() < deadline:
        time.sleep(1)


def follow(airflow: LocalAirflow, dag_id: str, run_ids: list[str], label: str) -> list[dict]:
    """Until every run is finished, echoing progress whenever it changes; returns the runs."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    last = None
    while True:
        runs = [r for r in airflow.dag_runs(dag_id) if r["run_id"] in set(run_ids)]
        states = [r["state"] for r in runs]
        done, failed = states.count("success"), states.count("failed")
        running = states.count("running")
        line = (
            f"[{label}] months: {done} done, {running} running, "
            f"{len(run_ids) - done - failed - running} queued, {failed} failed (of {len(run_ids)})"
        )
        if line != last:
            progress(line)
            last = line
        if len(runs) == len(run_ids) and done + failed == len(run_ids):
            return runs
        if time.monotonic() > deadline:
            raise SystemExit(f"runs not finished after {RUN_TIMEOUT_S}s: {line}")
        time.sleep(1)


def figures(airflow: LocalAirflow, dag_id: str, runs: list[dict], started_at: datetime) -> dict:
    """Where the wall time from ``started_at`` to the last run's end went."""
    wall_s = (max(r["end_date"] for r in runs) - started_at).total_seconds()
    run_ids = [r["run_id"] for r in runs]
    wanted = set(run_ids)
    tasks = [
        ti
        for ti in airflow.task_instances(dag_id)
        # A task that never ran (its upstream failed) has no start or end.
        if ti["run_id"] in wanted and ti["start_date"] and ti["end_date"]
    ]
    task_seconds = dict.fromkeys((INGEST, DBT_RUN, DBT_TEST), 0.0)
    for ti in tasks:
        task_seconds[ti["task_id"]] += (ti["end_date"] - ti["start_date"]).total_seconds()
    results = airflow.task_results(run_ids, dag_id)
    ingests = [results.get((run_id, INGEST), {}) for run_id in run_ids]
    # What the dbt tasks report of their dbt invocation, when they do (see reported_sum).
    dbt_reports = [
        results[(run_id, task_id)]["dbt"]
        for run_id in run_ids
        for task_id in (DBT_RUN, DBT_TEST)
        if isinstance(results.get((run_id, task_id), {}).get("dbt"), dict)
    ]
    load_s = sum(ingest.get("seconds", 0.0) for ingest in ingests)
    buckets = {
        "ingest_load": load_s,
        "ingest_other": task_seconds[INGEST] - load_s,
        DBT_RUN: task_seconds[DBT_RUN],
        DBT_TEST: task_seconds[DBT_TEST],
    }
    busy_s = covered_seconds([(ti["start_date"], ti["end_date"]) for ti in tasks])
    return {
        "wall_s": round(wall_s, 1),
        "seconds_per_month": round(wall_s / len(runs), 1),
        "task_seconds": {name: round(seconds, 1) for name, seconds in buckets.items()},
        "ingest_download_s": reported_sum(ingests, "download_s"),
        "dbt_startup_parse_s": reported_sum(dbt_reports, "import_s", "parse_s"),
        "dbt_breakdown": {phase: reported_sum(dbt_reports, f"{phase}_s") for phase in DBT_PHASES},
        "dbt_slowest_nodes": slowest_nodes(dbt_reports),
        "dbt_invocations": sum(bool(report.get("invoked")) for report in dbt_reports)
        if dbt_reports
        else None,
        "airflow_overhead_s": round(wall_s - busy_s, 1),
        "months_succeeded": sum(r["state"] == "success" for r in runs),
        "rows_loaded": sum(ingest.get("rows_loaded", 0) for ingest in ingests),
    }


def slowest_nodes(reports: list[dict], count: int = 6) -> dict[str, float]:
    """The seeds, models and tests that took the most seconds, summed over the invocations."""
    totals: dict[str, float] = {}
    for report in reports:
        for name, seconds in (report.get("node_seconds") or {}).items():
            totals[name] = totals.get(name, 0.0) + seconds
    slowest = sorted(totals.items(), key=lambda item: -item[1])[:count]
    return {name: round(seconds, 1) for name, seconds in slowest}


def reported_sum(reports: list[dict], *keys: str) -> float | None:
    """The sum of ``keys`` over the reports that have any of them; None when none does (a task
    that does not report the figure), a missing key in a report counting as 0."""
    having = [report for report in reports if any(key in report for key in keys)]
    if not having:
        return None
    return round(sum(report.get(key, 0.0) for report in having for key in keys), 1)


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


def backfill(stack: LocalStack, months: list[Month], arm: str, open_backfills: dict) -> dict:
    """Backfill ``months`` through the arm's DAG; its figures once every run has finished.

    ``open_backfills`` maps a DAG to its last backfill, which may not be marked finished yet.
    """
    dag_id, max_active_runs = BACKFILL_ARMS[arm]
    if dag_id in open_backfills:
        # One unfinished backfill per DAG at a time, and the scheduler marks a backfill finished
        # only every 30 s or so; an arm on another DAG in between has given it that time.
        stack.airflow.wait_for_backfill(open_backfills.pop(dag_id))
    progress(f"[{arm}] backfilling {months[0]} .. {months[-1]} ({dag_id}) ...")
    # Reprocess: the serial arm re-runs months the parallel one completed.
    backfill_id = stack.airflow.create_backfill(
        months[0], months[-1], reprocess="completed", max_active_runs=max_active_runs, dag_id=dag_id
    )
    runs = follow(stack.airflow, dag_id, stack.backfill_run_ids(backfill_id), arm)
    with stack.airflow.metadata() as conn:
        created_at, effective_max_active_runs = conn.execute(
            "select created_at, max_active_runs from backfill where id = %s", (backfill_id,)
        ).fetchone()
    open_backfills[dag_id] = backfill_id
    return {
        "max_active_runs": effective_max_active_runs,
        **figures(stack.airflow, dag_id, runs, created_at),
    }


def single_month(stack: LocalStack, month: Month, dag_id: str, label: str) -> dict:
    """``month`` triggered alone in ``dag_id``: seconds from the trigger to the run's end."""
    progress(f"[{label}] triggering {month} alone ({dag_id}) ...")
    run_id = stack.airflow.trigger(month, dag_id=dag_id)
    (run,) = follow(stack.airflow, dag_id, [run_id], label)
    with stack.airflow.metadata() as conn:
        (queued_at,) = conn.execute(
            "select queued_at from dag_run where dag_id = %s and run_id = %s", (dag_id, run_id)
        ).fetchone()
    return {"state": run["state"], **figures(stack.airflow, dag_id, [run], queued_at)}


def measure(months: list[Month], arms: list[str]) -> dict:
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
                # Created afresh before each arm.
                warehouse_url=pg.start().url(WAREHOUSE_DB),
            )
        )
        # Set before up(), which writes them into the Airflow configuration it starts with.
        stack.airflow.dags_folder = dags_folder(scratch)
        stack.airflow.expected_dags = (DAG_ID, CLASSIC_DAG_ID)
        cleanup.callback(stack.down)
        started = time.monotonic()
        classic = "classic" in arms or "single" in arms
        if classic:
            fresh_database(pg, CLASSIC_TEMPLATE_DB)
            seeder = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            seeding = cleanup.enter_context(seeder).submit(
                seed_classic, pg.connection().url(CLASSIC_TEMPLATE_DB), scratch / "seed"
            )
        # Both DAGs at once: their first runs, which unpausing creates, settle side by side.
        stray = (DAG_ID, CLASSIC_DAG_ID) if classic else (DAG_ID,)
        stack.up(prefer_tlc=False, echo=lambda line: progress(f"[setup] {line}"), unpause=stray)
        progress(f"[setup] Airflow up in {time.monotonic() - started:.0f}s")
        settle_stray_runs(stack.airflow, list(stray))
        if classic:
            progress(f"[setup] classic warehouse seeded in {seeding.result():.0f}s")
            seeder.shutdown()
        progress(f"[setup] stack ready in {time.monotonic() - started:.0f}s")

        report: dict = {
            "months": len(months),
            "first_month": str(months[0]),
            "last_month": str(months[-1]),
            "executor_slots": stack.airflow.parallelism,
        }
        open_backfills: dict[str, int] = {}
        for arm in BACKFILL_ARMS:
            if arm in arms:
                fresh_warehouse(pg, BACKFILL_ARMS[arm][0])
                report[arm] = backfill(stack, months, arm, open_backfills)
        if "single" in arms:
            single = {"month": str(months[-1])}
            for side, dag_id in (("classic", CLASSIC_DAG_ID), ("project", DAG_ID)):
                fresh_warehouse(pg, dag_id)
                run = single_month(stack, months[-1], dag_id, f"single {side}")
                single[f"{side}_s"] = run["wall_s"]
                single[f"{side}_state"] = run["state"]
                single[side] = run
            report["single_month"] = single
        progress("[teardown] stopping Airflow and PostgreSQL ...")
        stopping = time.monotonic()
    progress(f"[teardown] stopped in {time.monotonic() - stopping:.0f}s")
    report |= ratios(report)
    return report


def ratios(report: dict) -> dict:
    """The comparisons the arms that ran allow, each measured in this run."""

    def wall(arm: str) -> float | None:
        return report[arm]["wall_s"] if arm in report else None

    def ratio(numerator: float | None, denominator: float | None) -> float | None:
        return round(numerator / denominator, 2) if numerator and denominator else None

    single = report.get("single_month", {})
    parallel = report.get("parallel")
    dbt_seconds = (
        parallel and parallel["task_seconds"][DBT_RUN] + parallel["task_seconds"][DBT_TEST]
    )
    startup = parallel and parallel["dbt_startup_parse_s"]
    return {
        "speedup": ratio(wall("serial"), wall("parallel")),
        "classic_to_parallel": ratio(wall("classic"), wall("parallel")),
        "classic_to_serial": ratio(wall("classic"), wall("serial")),
        "single_month_classic_to_project": ratio(single.get("classic_s"), single.get("project_s")),
        # In the project's default mode: dbt's start-up and parse over the dbt tasks' seconds.
        "dbt_startup_share": round(startup / dbt_seconds, 3)
        if startup is not None and dbt_seconds
        else None,
    }


def failures(report: dict) -> list[str]:
    """Arms in which some month did not succeed: their figures do not compare like for like."""
    failed = [
        arm
        for arm in BACKFILL_ARMS
        if arm in report and report[arm]["months_succeeded"] != report["months"]
    ]
    single = report.get("single_month", {})
    failed += [
        f"single {side}"
        for side in ("classic", "project")
        if single.get(f"{side}_state", "success") != "success"
    ]
    return failed


def print_table(report: dict) -> None:
    print(
        f"{report['months']} months ({report['first_month']} .. {report['last_month']}) through "
        f"the Airflow scheduler (LocalExecutor, {report['executor_slots']} slots)"
    )
    columns = {arm: report[arm] for arm in BACKFILL_ARMS if arm in report}
    if single := report.get("single_month"):
        print(f"1 classic, 1 project: {single['month']} alone, from its trigger to its end")
        columns |= {f"1 {side}": single[side] for side in ("classic", "project")}
    print_arms(columns)
    labels = {
        "classic_to_parallel": "classic wall / parallel wall",
        "classic_to_serial": "classic wall / serial wall",
        "speedup": "serial wall / parallel wall",
        "single_month_classic_to_project": "one month: classic / project",
    }
    for key, label in labels.items():
        if report[key] is not None:
            print(f"{label:<36} {report[key]:>9.2f}x")
    share = report["dbt_startup_share"]
    if "parallel" in report:
        shown = f"{share:.0%}" if share is not None else "unknown (the dbt tasks do not report it)"
        print(f"dbt start-up + parse / dbt task seconds (parallel): {shown}")
        if slowest := report["parallel"].get("dbt_slowest_nodes"):
            nodes = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in slowest.items())
            print(f"slowest dbt nodes (parallel, summed): {nodes}")


def print_arms(columns: dict[str, dict]) -> None:
    """One column of figures per arm."""
    arms = list(columns.values())

    def row(label: str, values: list[str]) -> None:
        print(f"{label:<36}" + "".join(f" {value:>10}" for value in values))

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}s"

    row("", list(columns))
    row("max active runs", [str(arm.get("max_active_runs", "-")) for arm in arms])
    row("months succeeded", [str(arm["months_succeeded"]) for arm in arms])
    row("wall time", [seconds(arm["wall_s"]) for arm in arms])
    row("seconds per month", [seconds(arm["seconds_per_month"]) for arm in arms])
    print("task seconds, summed over the months:")
    labels = {
        "ingest_load": "ingest: warehouse load",
        "ingest_other": "ingest: download, checks, start-up",
        DBT_RUN: "dbt_run",
        DBT_TEST: "dbt_test",
    }
    for bucket in BUCKETS:
        row(f"  {labels[bucket]}", [seconds(arm["task_seconds"][bucket]) for arm in arms])
        if bucket == "ingest_other":
            row("    of which download", [seconds(arm["ingest_download_s"]) for arm in arms])
    row(
        "  dbt tasks: start-up + parse",
        [seconds(arm["dbt_startup_parse_s"]) for arm in arms],
    )
    for phase in DBT_PHASES:
        row(
            f"    dbt {DBT_PHASE_LABELS[phase]}",
            [seconds((arm.get("dbt_breakdown") or {}).get(phase)) for arm in arms],
        )
    row(
        "Airflow overhead (no task running)",
        [seconds(arm["airflow_overhead_s"]) for arm in arms],
    )
    print("(-: not reported by the tasks; the classic's dbt CLI calls cannot be seen into)")
    print("(in parallel the task seconds overlap, so they add up to more than the wall time)")


def parse_arms(text: str) -> list[str]:
    arms = [arm.strip() for arm in text.split(",") if arm.strip()]
    unknown = [arm for arm in arms if arm not in ARMS]
    if unknown or not arms:
        raise argparse.ArgumentTypeError(
            f"arms are a comma-separated subset of {','.join(ARMS)}, got {text!r}"
        )
    return arms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.backfill",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--months",
        type=int,
        default=6,
        help=f"months, 1..{MAX_MONTHS}, ending {LAST_MONTH} (default 6)",
    )
    parser.add_argument(
        "--arms",
        type=parse_arms,
        default=list(ARMS),
        help=f"which arms to run (default all: {','.join(ARMS)})",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.months <= MAX_MONTHS:
        parser.error(f"--months must be between 1 and {MAX_MONTHS}")
    # A terminated run (a CI timeout, kill) unwinds like Ctrl-C: what it started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))

    report = measure(benchmark_months(args.months), args.arms)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    if failed := failures(report):
        progress(
            f"some months failed ({', '.join(failed)}): the figures do not compare like for like"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
