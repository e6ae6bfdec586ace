"""Findings and the catalogue of rules they come from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    hint: str
    # Advice is off unless selected by its exact code or ALL: it flags a habit worth improving,
    # not a trap that breaks runs.
    default: bool = True


RULES: tuple[Rule, ...] = (
    Rule(
        "TP001",
        "wall-clock-data-boundary",
        "The wall clock decides which data a run reads or writes.",
        "Take the period from the run's data interval (data_interval_start / "
        "{{ data_interval_start }} or logical_date) so a retry or backfill handles its own period.",
    ),
    Rule(
        "TP002",
        "catchup-backfills-history",
        "catchup is on (explicitly, or by the Airflow 2 default) with a start date far in the "
        "past, so unpausing the DAG schedules every missed interval at once.",
        "Set catchup=False and backfill deliberately (airflow backfill / dags backfill), or move "
        "start_date to the first interval you really want scheduled.",
    ),
    Rule(
        "TP003",
        "non-idempotent-load",
        "A load appends without first removing what an earlier attempt of the same run wrote, or "
        "replaces the whole table with one period.",
        "Delete the run's period (DELETE ... WHERE period = %s) in the same transaction as the "
        "insert, or use MERGE / INSERT ... ON CONFLICT / a partition swap; replace only the "
        "run's partition, not the table.",
    ),
    Rule(
        "TP004",
        "delete-scope-mismatch",
        "The delete is scoped by an event-time month but the whole source file is re-inserted, "
        "so rows dated outside that month pile up on every rerun.",
        "Scope the DELETE by the source period you stamp on each row (e.g. source_month), or "
        "filter the file to the same month before inserting.",
    ),
    Rule(
        "TP005",
        "literal-secret",
        "A password, token or credentialed URI is written into the DAG file.",
        "Keep secrets in an Airflow Connection or secrets backend (or an environment variable) "
        "and read them at run time.",
    ),
    Rule(
        "TP006",
        "concurrent-dbt",
        "dbt can run in two DAG runs at once: max_active_runs is unset or above 1 and the dbt "
        "tasks have no one-slot pool.",
        'Set max_active_runs=1 on the DAG, or give every dbt task pool="dbt" with a pool of '
        "exactly one slot.",
    ),
    Rule(
        "TP007",
        "import-time-hazard",
        "The file fails to parse, imports what cannot resolve where it is deployed, or does "
        "network, database, Variable or hook work when the scheduler imports it.",
        "Move the call into a task (or use a Jinja template such as {{ var.value.x }} / "
        "{{ conn.x }}) so it runs when the task runs, not on every parse; import project modules "
        "by their place in the dags or plugins folder, and declare what must be installed.",
    ),
    Rule(
        "TP008",
        "host-path",
        "A path that only exists on one machine is used for data or project files.",
        "Derive paths from configuration (an Airflow Variable, env var, or a path relative to the "
        "DAG file) and hand data between tasks through shared storage, not a worker's /tmp.",
    ),
    Rule(
        "TP009",
        "retry-misuse",
        "A task retries more than 3 times, or retries although its failures can only be "
        "deterministic (dbt test).",
        "Keep retries at 3 or fewer, and none on tasks that can only fail the same way again "
        "(a failing dbt test): raise AirflowFailException for permanent errors.",
    ),
    Rule(
        "TP010",
        "missing-runbook",
        "No runbook sits next to the DAG or at the repository root.",
        "Add a RUNBOOK.md next to the DAG (or at the repository root) saying how to rerun, "
        "backfill and recover it.",
    ),
    Rule(
        "TP011",
        "http-error-retried",
        "Advice (off by default): a download retries (3 times or fewer) without telling a "
        "permanent HTTP error such as 403/404 from a transient one, so a month that is not "
        "published yet burns its retries before failing.",
        "Raise AirflowFailException (or AirflowSkipException) for 403/404, or attach a "
        "retry_policy, so only network errors, timeouts and 5xx are retried.",
        default=False,
    ),
)

RULES_BY_CODE = {rule.code: rule for rule in RULES}
ALL_CODES = tuple(rule.code for rule in RULES)
DEFAULT_CODES = frozenset(rule.code for rule in RULES if rule.default)


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    message: str
    hint: str
    end_line: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


def codes_matching(patterns: list[str]) -> set[str]:
    """Expand codes and prefixes (``TP00``, ``TP``, ``ALL``) to concrete codes.

    A prefix stands for the rules that are on by default; advice is chosen by its own code or
    ``ALL``. Raises ``ValueError`` naming any pattern that matches no rule.
    """
    selected: set[str] = set()
    for raw in patterns:
        pattern = raw.strip().upper()
        if not pattern:
            continue
        if pattern == "ALL":
            selected.update(ALL_CODES)
            continue
        if pattern in RULES_BY_CODE:
            selected.add(pattern)
            continue
        matched = {code for code in DEFAULT_CODES if code.startswith(pattern)}
        if not matched:
            raise ValueError(
                f"unknown rule code {raw.strip()!r} (known: {ALL_CODES[0]}..{ALL_CODES[-1]})"
            )
        selected |= matched
    return selected
