"""``taxi-pipeline check PATH...``: exit 0 when clean, 1 with findings, 2 on usage errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from taxi_pipeline.check import report
from taxi_pipeline.check.config import ConfigError
from taxi_pipeline.check.model import RULES, codes_matching
from taxi_pipeline.check.runner import Options, check_paths, warn

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="taxi-pipeline check",
        description="Find common traps in Apache Airflow DAG files (TP001..TP010) without "
        "importing them.",
        epilog="Configuration: [tool.taxi-pipeline.check] in pyproject.toml (select, ignore, "
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
    parser.add_argument("-o", "--output", type=Path, help="write the report to this file")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
        )
        if args.config is not None and not args.config.is_file():
            return _usage(parser, f"--config {args.config}: no such file")
        result = check_paths(args.paths, options)
    except FileNotFoundError as error:
        return _usage(parser, f"{error.args[0]}: no such file or directory")
    except (ConfigError, ValueError) as error:
        return _usage(parser, str(error))
    warn(result.errors)
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
