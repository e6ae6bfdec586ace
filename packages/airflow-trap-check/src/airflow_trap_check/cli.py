"""``airflow-trap-check PATH...``: exit 0 when clean, 1 with findings, 2 on usage errors."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from airflow_trap_check import report
from airflow_trap_check.config import ConfigError
from airflow_trap_check.model import RULES, codes_matching
from airflow_trap_check.runner import Options, check_paths

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


PROG = "airflow-trap-check"


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Find common traps in Apache Airflow DAG files (TP001..TP010) without "
        "importing them.",
        epilog="Configuration: [tool.airflow-trap-check] in pyproject.toml (select, ignore, "
        "runbook-name, exclude). Suppress one line with '# noqa: TP003' (bare '# noqa': all).",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="DAG files or folders (.py files that mention airflow are checked)",
    )
    parser.add_argument(
        "--format", choices=("text", "json", "sarif"), default="text", help="output format"
    )
    parser.add_argument(
        "--select", help="comma-separated codes or prefixes to check (e.g. TP001,TP00)"
    )
    parser.add_argument("--ignore", help="comma-separated codes or prefixes to skip")
    parser.add_argument("--exclude", help="comma-separated glob patterns of paths to skip")
    parser.add_argument("--runbook-name", help="runbook file TP010 looks for (default RUNBOOK.md)")
    parser.add_argument("--config", type=Path, help="pyproject.toml to read instead of searching")
    parser.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    parser.add_argument(
        "--reference-date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="judge start dates (TP002) as of this day instead of today, e.g. the day the "
        "files were committed",
    )
    parser.add_argument("-o", "--output", type=Path, help="write the report to this file")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    return parser


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    """Run the checker; ``prog`` names it in usage and messages (``taxi-pipeline check``)."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if args.list_rules:
        for rule in RULES:
            print(f"{rule.code}  {rule.name}: {rule.summary}")
        return EXIT_CLEAN
    if not args.paths:
        return _usage(parser, "at least one PATH is required")
    try:
        options = Options(
            select=_codes(args.select),
            ignore=_codes(args.ignore) or [],
            exclude=_split(args.exclude),
            runbook_name=args.runbook_name,
            config=args.config,
            isolated=args.isolated,
            reference_date=args.reference_date,
        )
        if args.config is not None and not args.config.is_file():
            return _usage(parser, f"--config {args.config}: no such file")
        result = check_paths(args.paths, options)
    except FileNotFoundError as error:
        return _usage(parser, f"{error.args[0]}: no such file or directory")
    except (ConfigError, ValueError) as error:
        return _usage(parser, str(error))
    for message in result.errors:
        print(f"{prog}: warning: {message}", file=sys.stderr)
    if args.format == "json":
        output = report.as_json(result.findings)
    elif args.format == "sarif":
        output = report.sarif(result.findings)
    else:
        output = report.text(result.findings, result.files)
    if args.output is not None:
        try:
            args.output.write_text(output, encoding="utf-8")
        except OSError as error:
            return _usage(parser, f"cannot write {args.output}: {error.strerror}")
    else:
        sys.stdout.write(output)
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _codes(value: str | None) -> list[str] | None:
    if value is None:
        return None
    parts = _split(value)
    codes_matching(parts)  # raises ValueError naming an unknown code
    return parts


def _usage(parser: argparse.ArgumentParser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return EXIT_USAGE
