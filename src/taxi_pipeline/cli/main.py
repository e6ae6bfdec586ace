"""``taxi-pipeline``: the command line front door.

Exit codes: 0 success, 1 a pipeline failure (the message says what and what to do), 2 bad usage.
"""

from __future__ import annotations

import logging
import sys

from taxi_pipeline.cli.commands import EXIT_FAILURE, EXIT_USAGE
from taxi_pipeline.cli.parser import build_parser
from taxi_pipeline.core.errors import InvalidParameter, PipelineError, error_summary


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
        print(f"taxi-pipeline: {error_summary(exc, one_line=False)}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("taxi-pipeline: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
