"""``taxi-pipeline``: the command line front door.

Exit codes: 0 success, 1 a pipeline failure (the message says what and what to do), 2 bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from taxi_pipeline.core.errors import InvalidParameter, PipelineError
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import CONNECTION_ENV, DEFAULT_SERVICE, DEFAULT_STATE_DIR
from taxi_pipeline.core.schema import SERVICES, service_schema
from taxi_pipeline.core.settings import Settings

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

_SETTINGS_HELP = f"""
settings (flag, else environment variable, else default):
  --tlc-base-url   TAXI_TLC_BASE_URL   where monthly files are fetched from
                                       (default: TLC's public CloudFront address)
  --warehouse-url  {CONNECTION_ENV}  PostgreSQL to load into, as a postgres:// URI
                                       (default: the embedded PostgreSQL in the state dir)
  --state-dir      TAXI_STATE_DIR      local state: embedded PostgreSQL, Airflow home, work dir
                                       (default: ./{DEFAULT_STATE_DIR})
  --work-dir       TAXI_WORK_DIR       downloads and dbt artifacts (default: STATE_DIR/work)
  --raw-schema     TAXI_RAW_SCHEMA     schema of the raw tables (default: raw)
  --dbt-schema     TAXI_DBT_SCHEMA     schema dbt builds into (default: analytics)
  --copy-streams   TAXI_COPY_STREAMS   parallel COPY streams per month's load (default: 2; more
                                       only pays when the PostgreSQL server has cores to spare)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except InvalidParameter as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_settings(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings")
    group.add_argument(
        "--service", default=DEFAULT_SERVICE, choices=sorted(SERVICES), help="TLC service"
    )
    group.add_argument("--tlc-base-url", help="base URL of the monthly files")
    group.add_argument("--warehouse-url", help="postgres:// URI of your own PostgreSQL")
    group.add_argument("--state-dir", help="folder for local state")
    group.add_argument("--work-dir", help="folder for downloads and dbt artifacts")
    group.add_argument("--raw-schema", help="schema of the raw tables")
    group.add_argument("--dbt-schema", help="schema dbt builds into")
    group.add_argument("--copy-streams", type=int, help="parallel COPY streams per load")


def settings_from(args: argparse.Namespace) -> Settings:
    given = {
        key: getattr(args, key)
        for key in (
            "service",
            "tlc_base_url",
            "warehouse_url",
            "state_dir",
            "work_dir",
            "raw_schema",
            "dbt_schema",
            "copy_streams",
        )
        if getattr(args, key, None) is not None
    }
    return Settings(**given)


def cmd_ingest(args: argparse.Namespace) -> int:
    from taxi_pipeline.core.pipeline import ingest_month, transform_month
    from taxi_pipeline.local.postgres import resolve_warehouse_url

    settings = settings_from(args)
    url = resolve_warehouse_url(settings)
    print(f"{settings.service} {args.month}: downloading, validating and loading ...", flush=True)
    load = ingest_month(settings, args.month, url, progress=_progress_printer(args.month))
    print(
        f"{settings.service} {args.month}: rows in file {load.rows_in_file:,}, "
        f"rows loaded {load.rows_loaded:,}, spillover rows {load.spillover_rows:,} "
        f"({_pickup_summary(load.pickup_months)}), {load.seconds:.1f}s",
        flush=True,
    )
    if args.skip_dbt:
        return EXIT_OK
    print(f"{settings.service} {args.month}: dbt build and test ...", flush=True)
    _, tests = transform_month(
        settings, args.month, url, echo=print if args.verbose else lambda line: None
    )
    print(f"{settings.service} {args.month}: dbt tests {tests.summary}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from taxi_pipeline.core.warehouse import Warehouse
    from taxi_pipeline.local.postgres import resolve_warehouse_url

    settings = settings_from(args)
    warehouse = Warehouse(
        resolve_warehouse_url(settings), service_schema(settings.service), settings.raw_schema
    )
    states = warehouse.month_states()
    if args.json:
        months = [
            {
                "source_month": s.source_month,
                "rows_in_file": s.rows_in_file,
                "rows_loaded": s.rows_loaded,
                "checksum": s.checksum,
                "pickup_months": s.pickup_months,
            }
            for s in states
        ]
        print(json.dumps({"service": settings.service, "months": months}, indent=2))
        return EXIT_OK
    if not states:
        print("no months loaded yet: try `taxi-pipeline ingest --month 2024-01`")
        return EXIT_OK
    print(f"{'month':<8} {'in file':>9} {'loaded':>9} {'spillover':>9}  checksum")
    for s in states:
        spill = sum(n for m, n in s.pickup_months.items() if m != s.source_month)
        counts = f"{s.rows_in_file:>9,} {s.rows_loaded:>9,} {spill:>9,}"
        print(f"{s.source_month:<8} {counts}  {s.checksum}")
    return EXIT_OK


def cmd_mirror(args: argparse.Namespace) -> int:
    from taxi_pipeline.local.tlc_mirror import TlcMirror

    mirror = TlcMirror(args.folder, port=args.port)
    print(f"serving {args.folder} at {mirror.base_url} (Ctrl-C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        mirror.serve_forever()
    return EXIT_OK


def _stack(args: argparse.Namespace):
    from taxi_pipeline.local.stack import LocalStack

    return LocalStack(settings_from(args), api_port=getattr(args, "api_port", None))


def _echo(line: str) -> None:
    print(line, flush=True)


def cmd_up(args: argparse.Namespace) -> int:
    stack = _stack(args)
    stack.up(prefer_tlc=args.use_tlc, echo=_echo)
    _print_login(stack)
    return EXIT_OK


def cmd_down(args: argparse.Namespace) -> int:
    _stack(args).down()
    print("stopped Airflow, PostgreSQL and the local TLC mirror (data kept in the state dir)")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from taxi_pipeline.local.airflow_status import missing_pool_message

    stack = _stack(args)
    status = stack.airflow.status()
    if status.import_errors:
        from taxi_pipeline.local.stack import _import_errors_text

        print("!" * 78)
        print(_import_errors_text(status.import_errors))
        print("!" * 78)
    postgres = "running" if stack.airflow.postgres.is_running() else "stopped"
    print(f"{'postgresql':<14} {postgres}")
    for component in status.components:
        health = "healthy" if component.running and component.healthy else "NOT HEALTHY"
        detail = f"  {component.detail}" if component.detail and health != "healthy" else ""
        print(f"{component.name:<14} {health}{detail}")
    for dag_id in status.missing_dags:
        print(f"DAG {dag_id} is not loaded")
    for pool, waiting in status.missing_pools.items():
        print(missing_pool_message(pool, waiting))
    print(f"TLC source     {stack.tlc_base_url()}")
    print(f"Airflow UI     {status.api_url}")
    return EXIT_OK if status.healthy else EXIT_FAILURE


def cmd_backfill(args: argparse.Namespace) -> int:
    stack = _stack(args)
    stack.require_scheduler()
    backfill_id = stack.airflow.create_backfill(
        getattr(args, "from"), args.to, reprocess=args.reprocess
    )
    print(f"backfill {backfill_id} created for {getattr(args, 'from')} .. {args.to}")
    return _follow(stack, stack.backfill_run_ids(backfill_id))


def cmd_run(args: argparse.Namespace) -> int:
    stack = _stack(args)
    stack.require_scheduler()
    run_id = stack.airflow.trigger(args.month)
    print(f"triggered {run_id}")
    return _follow(stack, [run_id])


def cmd_verify(args: argparse.Namespace) -> int:
    stack = _stack(args)
    stack.require_scheduler()
    before = stack.month_state(args.month)
    if before is None:
        print(f"{args.month} is not loaded yet: nothing to compare (run it first)", file=sys.stderr)
        return EXIT_FAILURE
    run_id = stack.airflow.trigger(args.month)
    print(f"re-running {args.month} ({run_id}) ...", flush=True)
    if _follow(stack, [run_id]) != EXIT_OK:
        return EXIT_FAILURE
    after = stack.month_state(args.month)
    return _print_comparison(before, after)


def cmd_demo(args: argparse.Namespace) -> int:
    from taxi_pipeline.local.stack import SAMPLES_DIR

    stack = _stack(args)
    stack.up(prefer_tlc=args.use_tlc, echo=_echo)
    months = sorted(Month.parse(p.stem.split("_")[-1]) for p in SAMPLES_DIR.glob("*.parquet"))
    print(f"loading {', '.join(map(str, months))} through the Airflow scheduler ...", flush=True)
    run_ids = []
    for first, last in _consecutive(months):
        if first == last:
            run_ids.append(stack.airflow.trigger(first))
        else:
            backfill_id = stack.airflow.create_backfill(first, last)
            run_ids += stack.backfill_run_ids(backfill_id)
    outcome = _follow(stack, run_ids)
    _print_login(stack)
    return outcome


def _consecutive(months: list[Month]) -> list[tuple[Month, Month]]:
    """Months grouped into runs of consecutive months: one backfill each."""
    groups: list[tuple[Month, Month]] = []
    for month in months:
        if groups and groups[-1][1].next() == month:
            groups[-1] = (groups[-1][0], month)
        else:
            groups.append((month, month))
    return groups


def _follow(stack, run_ids: list[str]) -> int:
    stack.wait(run_ids, echo=_echo)
    summaries = stack.month_summaries(run_ids)
    print()
    print(
        f"{'month':<8} {'state':<8} {'in file':>9} {'loaded':>9} {'spillover':>9} "
        f"{'dbt tests (pass/warn/fail)':>27} {'duration':>9}"
    )
    for s in summaries:
        tests = s.tests or {}
        verdict = (
            f"{tests.get('pass', 0)}/{tests.get('warn', 0)}/"
            f"{tests.get('fail', 0) + tests.get('error', 0)}"
            if s.tests is not None
            else "-"
        )
        print(
            f"{s.month:<8} {s.state:<8} {_num(s.rows_in_file):>9} {_num(s.rows_loaded):>9} "
            f"{_num(s.spillover_rows):>9} {verdict:>27} "
            f"{(f'{s.seconds:.0f}s' if s.seconds is not None else '-'):>9}"
        )
    failed = [s.month for s in summaries if s.state != "success"]
    if failed:
        print(
            f"\n{len(failed)} month(s) failed: {', '.join(failed)}. The task log says why; "
            f"dags/RUNBOOK.md says what to do.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return EXIT_OK


def _num(value: int | None) -> str:
    return f"{value:,}" if value is not None else "-"


def _print_comparison(before, after) -> int:
    months = sorted(set(before.pickup_months) | set(after.pickup_months))
    print(f"\n{'':<22} {'before':>16} {'after':>16}")
    rows = [(f"rows of {before.source_month}", before.rows_loaded, after.rows_loaded)]
    rows += [
        (f"  pickup {m}", before.pickup_months.get(m, 0), after.pickup_months.get(m, 0))
        for m in months
    ]
    rows.append(("checksum", before.checksum, after.checksum))
    differences = 0
    for label, old, new in rows:
        mark = "" if old == new else "   <- differs"
        differences += old != new
        old_text = f"{old:,}" if isinstance(old, int) else str(old)[:16]
        new_text = f"{new:,}" if isinstance(new, int) else str(new)[:16]
        print(f"{label:<22} {old_text:>16} {new_text:>16}{mark}")
    if differences:
        print(f"\n{differences} difference(s): the re-run changed {before.source_month}")
        return EXIT_FAILURE
    print(f"\nidentical: re-running {before.source_month} changed nothing")
    return EXIT_OK


def _print_login(stack) -> None:
    from taxi_pipeline.local.stack import ADMIN_USER

    print(
        f"\nAirflow UI: {stack.airflow.api_url}  (user {ADMIN_USER}, password "
        f"{stack.airflow.admin_password()})"
    )
    print("stop everything with: taxi-pipeline down")


def _progress_printer(month: Month) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r  {month}: {done:,}/{total:,} rows copied", end="", file=sys.stderr)
            if done >= total:
                print(file=sys.stderr)

    return report


def _pickup_summary(pickup_months: dict[str, int]) -> str:
    return ", ".join(f"pickup {m}: {n:,}" for m, n in sorted(pickup_months.items()))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="taxi-pipeline",
        description=(
            "Load NYC TLC taxi trips month by month into PostgreSQL and build them with dbt; "
            "exact and atomic re-runs, safe backfills."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_SETTINGS_HELP + "\nexit codes: 0 ok, 1 pipeline failure, 2 bad usage",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show dbt's own output")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ingest = sub.add_parser(
        "ingest",
        help="download, validate, load and dbt-build one month without Airflow",
        description=(
            "Download one month's TLC file, check it is parquet that fits the declared schema, "
            "replace that month's rows atomically, then run dbt build for it. Prints rows in "
            "file, rows loaded, spillover rows (pickups outside the month, kept and flagged) "
            "and the dbt test summary."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_SETTINGS_HELP,
    )
    ingest.add_argument("--month", required=True, type=_month, help="month to load, YYYY-MM")
    ingest.add_argument("--skip-dbt", action="store_true", help="load only, no dbt build")
    _add_settings(ingest)
    ingest.set_defaults(handler=cmd_ingest)

    report = sub.add_parser(
        "report",
        help="show every loaded month: rows, pickup months, checksum",
        description=(
            "Print the warehouse state per source month: rows in file, rows loaded, rows per "
            "pickup month, and a checksum of the month's rows (stable across identical reloads)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_SETTINGS_HELP,
    )
    report.add_argument("--json", action="store_true", help="print one JSON object")
    _add_settings(report)
    report.set_defaults(handler=cmd_report)

    def stack_parser(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        command = sub.add_parser(
            name,
            help=help_text,
            description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            epilog=_SETTINGS_HELP + "  --api-port       (saved by `up`)    Airflow UI/API port\n",
        )
        _add_settings(command)
        command.add_argument("--api-port", type=int, help="port of the Airflow UI and API")
        return command

    up = stack_parser(
        "up",
        "start the local stack: PostgreSQL, Airflow, and a TLC mirror if TLC is unreachable",
        "Start the embedded PostgreSQL and a local Airflow (api-server, scheduler, "
        "dag-processor, triggerer; LocalExecutor) in the state dir. When TLC cannot be reached "
        "(and no --tlc-base-url is given), serve the bundled sample months on 127.0.0.1.",
    )
    up.add_argument("--use-tlc", action="store_true", help="use TLC even if it seems unreachable")
    up.set_defaults(handler=cmd_up)

    down = stack_parser(
        "down", "stop the local stack (data is kept)", "Stop everything `up` started."
    )
    down.set_defaults(handler=cmd_down)

    status = stack_parser(
        "status",
        "health of each component and any DAG import errors",
        "Show whether PostgreSQL and each Airflow component is healthy and, first and loudly, "
        "any DAG file that failed to import; also tasks waiting for a pool that does not exist. "
        "Exit 1 when anything is unhealthy.",
    )
    status.set_defaults(handler=cmd_status)

    backfill = stack_parser(
        "backfill",
        "load a range of months through the Airflow scheduler",
        "Create an Airflow backfill (one run per month) and follow it: live progress, then a "
        "per-month table. Needs `taxi-pipeline up`.",
    )
    backfill.add_argument("--from", required=True, type=_month, help="first month, YYYY-MM")
    backfill.add_argument("--to", required=True, type=_month, help="last month, YYYY-MM")
    backfill.add_argument(
        "--reprocess",
        choices=["none", "completed", "failed"],
        default="none",
        help="re-run months that already ran (default: none)",
    )
    backfill.set_defaults(handler=cmd_backfill)

    run = stack_parser(
        "run", "run one month through Airflow", "Trigger one run for a month and follow it."
    )
    run.add_argument("--month", required=True, type=_month, help="month, YYYY-MM")
    run.set_defaults(handler=cmd_run)

    verify = stack_parser(
        "verify",
        "re-run a month and prove nothing changed",
        "Snapshot a loaded month (rows per pickup month, checksum), re-run it through Airflow, "
        "and print both side by side. Exit 1 on any difference.",
    )
    verify.add_argument("--month", required=True, type=_month, help="month, YYYY-MM")
    verify.set_defaults(handler=cmd_verify)

    demo = stack_parser(
        "demo",
        "start everything and load the bundled sample months through Airflow",
        "`up`, then load every bundled month (data/tlc) through the scheduler, print the "
        "per-month table, and leave the Airflow UI running.",
    )
    demo.add_argument("--use-tlc", action="store_true", help="fetch from TLC, not the samples")
    demo.set_defaults(handler=cmd_demo)

    mirror = sub.add_parser(
        "mirror",
        help="serve TLC files from a local folder on 127.0.0.1 with TLC's URL layout",
        description=(
            "Serve the parquet files of a folder at http://127.0.0.1:PORT/trip-data/, as TLC "
            "does; missing months answer 403 like TLC. Point --tlc-base-url (or "
            "TAXI_TLC_BASE_URL) at the printed address on machines without internet."
        ),
    )
    mirror.add_argument("--folder", type=Path, default=Path("data/tlc"), help="(default: data/tlc)")
    mirror.add_argument("--port", type=int, default=8765, help="(default: 8765)")
    mirror.set_defaults(handler=cmd_mirror)

    # Listed for --help only: main() hands `check` and its arguments to the checker's own parser
    # (the airflow-trap-check distribution, packages/airflow-trap-check).
    sub.add_parser(
        "check",
        help="find the ten classic traps in Airflow DAG files (static, nothing executed)",
        add_help=False,
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["check"]:
        from airflow_trap_check.cli import main as check_main

        return check_main(argv[1:], prog="taxi-pipeline check")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    try:
        return args.handler(args)
    except InvalidParameter as exc:
        print(f"taxi-pipeline: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PipelineError as exc:
        kind = "retryable" if exc.retryable else "not retryable"
        print(f"taxi-pipeline: {type(exc).__name__} ({kind}): {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("taxi-pipeline: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
