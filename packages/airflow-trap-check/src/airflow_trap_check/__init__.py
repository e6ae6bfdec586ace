"""Static checks for common traps in Apache Airflow DAG files.

The files are parsed with :mod:`ast`, never imported, so neither Airflow nor the DAG's own
dependencies are needed and nothing in the checked code runs. Airflow 2 and 3, classic
operators and TaskFlow are understood alike.

    airflow-trap-check dags/                  # or: python -m airflow_trap_check dags/
    airflow-trap-check --format sarif -o check.sarif dags/
    airflow-trap-check --list-rules

Rules: TP001 wall clock as a data boundary, TP002 catchup over a long history, TP003 appending
(or whole-table replacing) loads, TP004 delete scope that does not match the re-inserted file,
TP005 literal secrets, TP006 dbt able to run twice at once, TP007 import-time work, an import
that cannot resolve, or a file that does not parse, TP008 host paths, TP009 retry misuse, TP010
no runbook; TP011 (advice, off by default) HTTP errors retried like network faults.

Configuration, in the nearest pyproject.toml above a checked file::

    [tool.airflow-trap-check]
    select = ["TP"]            # codes or prefixes
    ignore = ["TP010"]
    runbook-name = "RUNBOOK.md"
    exclude = ["dags/legacy"]  # globs, relative to that pyproject.toml

``# noqa: TP003`` on a line silences that code there; a bare ``# noqa`` silences all.
Exit status: 0 clean, 1 findings, 2 usage error.
"""

from airflow_trap_check.model import RULES, Finding
from airflow_trap_check.runner import Options, Result, check_file, check_paths

__all__ = ["RULES", "Finding", "Options", "Result", "check_file", "check_paths"]
