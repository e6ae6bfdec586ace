"""The arguments of ``taxi-pipeline``: its subcommands, their options and help texts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from taxi_pipeline.cli.commands import (
    EXIT_USAGE,
    cmd_backfill,
    cmd_demo,
    cmd_docs,
    cmd_down,
    cmd_ingest,
    cmd_mirror,
    cmd_namespace_logins,
    cmd_report,
    cmd_run,
    cmd_status,
    cmd_up,
    cmd_verify,
)
from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.names import CONNECTION_ENV, DEFAULT_SERVICE, DEFAULT_STATE_DIR
from taxi_pipeline.core.schema import SERVICES
from taxi_pipeline.local.docs_server import DEFAULT_PORT as DOCS_PORT

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


def _add_settings(
    parser: argparse.ArgumentParser, service_default: str | None = DEFAULT_SERVICE
) -> None:
    group = parser.add_argument_group("settings")
    group.add_argument(
        "--service",
        default=service_default,
        choices=sorted(SERVICES),
        help=f"TLC service (default: {service_default or 'every service'})",
    )
    group.add_argument("--tlc-base-url", help="base URL of the monthly files")
    group.add_argument("--warehouse-url", help="postgres:// URI of your own PostgreSQL")
    group.add_argument("--state-dir", help="folder for local state")
    group.add_argument("--work-dir", help="folder for downloads and dbt artifacts")
    group.add_argument("--raw-schema", help="schema of the raw tables")
    group.add_argument("--dbt-schema", help="schema dbt builds into")
    group.add_argument("--copy-streams", type=int, help="parallel COPY streams per load")


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
            "Print the warehouse state per service and source month: rows in file, rows loaded, "
            "rows per pickup month, and a checksum of the month's rows (stable across identical "
            "reloads). Every service unless --service names one."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_SETTINGS_HELP,
    )
    report.add_argument("--json", action="store_true", help="print one JSON object")
    _add_settings(report, service_default=None)
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

    docs = sub.add_parser(
        "docs",
        help="generate the dbt docs site against the warehouse and serve it on 127.0.0.1",
        description=(
            "Run `dbt docs generate` against the warehouse (the catalog reads the built tables' "
            "columns and statistics from PostgreSQL), copy the site to WORK_DIR/docs/DBT_SCHEMA "
            "and serve it at http://127.0.0.1:PORT/ (this machine only) until Ctrl-C: models "
            "with their tests and column descriptions, sources, and the lineage graph (the "
            "button at the bottom right). Models not built yet are listed without columns: "
            "load a month first (ingest, or demo)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_SETTINGS_HELP,
    )
    docs.add_argument(
        "--port",
        type=int,
        default=DOCS_PORT,
        help=f"port on 127.0.0.1 (default: {DOCS_PORT}; 0 picks a free one)",
    )
    _add_settings(docs)
    docs.set_defaults(handler=cmd_docs)

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

    logins = sub.add_parser(
        "namespace-logins",
        help="give each namespace a PostgreSQL login that owns its own schemas and nothing else",
        description=(
            "For each namespace (--namespaces, else TAXI_NAMESPACES) create or renew the role "
            "taxi_<name> that owns <name>_raw and <name>_analytics (created if missing, with what "
            "is already in them) and has no rights elsewhere, so that PostgreSQL refuses one "
            "namespace's DAG every other namespace's tables. Run it as a login that may create "
            "roles (the default: the embedded PostgreSQL's owner). Each login's Airflow connection "
            "azure_pg__<name> is written to STATE_DIR/logins/ (mode 0600, never printed); the "
            "namespace's DAG uses it instead of azure_pg once Airflow has it."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_SETTINGS_HELP,
    )
    logins.add_argument("--namespaces", help="comma-separated names (default: TAXI_NAMESPACES)")
    _add_settings(logins)
    logins.set_defaults(handler=cmd_namespace_logins)

    # Listed for --help only: main() hands `check` and its arguments to the checker's own parser
    # (the airflow-trap-check distribution, packages/airflow-trap-check).
    sub.add_parser(
        "check",
        help="find the ten classic traps in Airflow DAG files (static, nothing executed)",
        add_help=False,
    )
    return parser
