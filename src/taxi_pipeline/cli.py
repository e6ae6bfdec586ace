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

from taxi_pipeline.errors import InvalidParameter, PipelineError
from taxi_pipeline.months import Month
from taxi_pipeline.schema import SERVICES, service_schema
from taxi_pipeline.settings import CONNECTION_ENV, DEFAULT_STATE_DIR, Settings

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
    group.add_argument("--service", default="green", choices=sorted(SERVICES), help="TLC service")
    group.add_argument("--tlc-base-url", help="base URL of the monthly files")
    group.add_argument("--warehouse-url", help="postgres:// URI of your own PostgreSQL")
    group.add_argument("--state-dir", help="folder for local state")
    group.add_argument("--work-dir", help="folder for downloads and dbt artifacts")
    group.add_argument("--raw-schema", help="schema of the raw tables")
    group.add_argument("--dbt-schema", help="schema dbt builds into")


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
        )
        if getattr(args, key, None) is not None
    }
    return Settings(**given)


def cmd_ingest(args: argparse.Namespace) -> int:
    from taxi_pipeline.pipeline import dbt_for_month, ingest_month, resolve_warehouse_url

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
    print(f"{settings.service} {args.month}: dbt build ...", flush=True)
    dbt = dbt_for_month(settings, "build", args.month, url, echo=print if args.verbose else None)
    print(f"{settings.service} {args.month}: dbt tests {dbt.tests_summary}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from taxi_pipeline.pipeline import resolve_warehouse_url
    from taxi_pipeline.warehouse import Warehouse

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
    from taxi_pipeline.tlc_mirror import TlcMirror

    mirror = TlcMirror(args.folder, port=args.port)
    print(f"serving {args.folder} at {mirror.base_url} (Ctrl-C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        mirror.serve_forever()
    return EXIT_OK


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

    # Listed for --help only: main() hands `check` and its arguments to the checker's own parser.
    sub.add_parser(
        "check",
        help="find the ten classic traps in Airflow DAG files (static, nothing executed)",
        add_help=False,
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["check"]:
        from taxi_pipeline.check.cli import main as check_main

        return check_main(argv[1:])
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
