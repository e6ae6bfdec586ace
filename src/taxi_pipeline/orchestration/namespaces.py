"""Namespaces: several copies of the pipeline side by side in one Airflow and one warehouse.

A namespace gives its copy of the DAGs (one per TLC service) their own ids
(``alice__taxi_pipeline``, ``alice__taxi_pipeline_yellow``), tag (``ns:alice``), raw and dbt
schemas (``alice_raw``, ``alice_analytics``), one-slot dbt pool (``dbt__alice``) and work dir, so
that one person's runs never write, read or wait for another's. dbt still never runs twice at once
against one schema: each namespace's dbt tasks queue on their own pool. With a connection
``azure_pg__alice`` (a login that owns only alice's schemas: ``taxi-pipeline namespace-logins``)
the warehouse itself refuses alice's DAGs any other namespace's tables; without it the copy uses
the shared ``azure_pg`` and stays apart by convention only.

The list comes from the environment variable ``TAXI_NAMESPACES`` (``alice,bob``), read each time
the DAG file is parsed; an Airflow Variable would cost a metadata database read on every parse.
Without it there is one un-namespaced pipeline with the usual names (``taxi_pipeline``, ``raw``,
``analytics``, pool ``dbt``); inside a list, the entry ``default`` stands for that one.

Nothing heavy is imported here: the DAG file, the local Airflow and deployment scripts use it.
``python -m taxi_pipeline.orchestration.namespaces pools`` prints the pools the configured
namespaces need, in the format of ``airflow pools import``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.names import CONNECTION_ID, DBT_POOL, DEFAULT_SERVICE, service_dag_id

NAMESPACES_ENV = "TAXI_NAMESPACES"
DEFAULT_ENTRY = "default"
MAX_NAME_LENGTH = 40
# Single underscores only, so that the "__" in dag ids and pool names stays a clear separator; the
# length leaves room for the "_analytics" suffix within PostgreSQL's 63-character identifiers.
_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@dataclass(frozen=True)
class Namespace:
    """One copy of the pipeline; the empty name is the un-namespaced default."""

    name: str = ""

    def __post_init__(self) -> None:
        if self.name:
            validate_namespace(self.name)

    @property
    def is_default(self) -> bool:
        return not self.name

    @property
    def dag_id(self) -> str:
        return self.service_dag_id(DEFAULT_SERVICE)

    def service_dag_id(self, service: str) -> str:
        """This copy's DAG of ``service``: ``alice__taxi_pipeline_yellow``. Every service's DAG
        of a namespace shares its schemas and its dbt pool (the marts are one set of tables)."""
        return self.prefixed(service_dag_id(service))

    def prefixed(self, dag_id: str) -> str:
        """This namespace's copy of the DAG ``dag_id``; the default keeps the plain id."""
        return f"{self.name}__{dag_id}" if self.name else dag_id

    @property
    def tags(self) -> tuple[str, ...]:
        return (f"ns:{self.name}",) if self.name else ()

    @property
    def dbt_pool(self) -> str:
        return f"{DBT_POOL}__{self.name}" if self.name else DBT_POOL

    # The default's schemas stay configurable (Variable taxi_raw_schema, ...); a namespace's are
    # fixed, so that a Variable shared by the whole Airflow cannot point two copies at one schema.
    @property
    def raw_schema(self) -> str | None:
        return f"{self.name}_raw" if self.name else None

    @property
    def dbt_schema(self) -> str | None:
        return f"{self.name}_analytics" if self.name else None

    @property
    def connection_ids(self) -> tuple[str, ...]:
        """The warehouse connections this copy may use, its own login first when it has one."""
        return (f"{CONNECTION_ID}__{self.name}", CONNECTION_ID) if self.name else (CONNECTION_ID,)

    @property
    def login_role(self) -> str | None:
        """The PostgreSQL role that owns this copy's schemas when it has a login of its own."""
        return f"taxi_{self.name}" if self.name else None

    def work_dir(self, base: Path) -> Path:
        return base / "namespaces" / self.name if self.name else base


def validate_namespace(name: str) -> str:
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        raise InvalidParameter(
            f"invalid namespace {str(name)[:60]!r} in {NAMESPACES_ENV}: use lowercase letters and "
            f"digits, words joined by single underscores, starting with a letter, at most "
            f"{MAX_NAME_LENGTH} characters (e.g. alice, team_2)"
        )
    return name


def parse_namespaces(text: str | None) -> tuple[Namespace, ...]:
    """``"alice, bob"`` -> alice and bob; empty -> the default alone; ``default`` -> the default."""
    entries = [entry.strip() for entry in (text or "").split(",")]
    entries = [entry for entry in entries if entry]
    if not entries:
        return (Namespace(),)
    seen: set[str] = set()
    result = []
    for entry in entries:
        if entry in seen:
            raise InvalidParameter(f"namespace {entry!r} is listed twice in {NAMESPACES_ENV}")
        seen.add(entry)
        result.append(Namespace("" if entry == DEFAULT_ENTRY else entry))
    return tuple(result)


def configured_namespaces(environ: Mapping[str, str] | None = None) -> tuple[Namespace, ...]:
    return parse_namespaces((os.environ if environ is None else environ).get(NAMESPACES_ENV))


def namespace_named(name: str) -> Namespace:
    return Namespace("" if name in ("", DEFAULT_ENTRY) else name)


def dbt_pools(namespaces: tuple[Namespace, ...]) -> dict[str, dict]:
    """The one-slot pools the namespaces' dbt tasks run in, as ``airflow pools import`` reads."""
    return {
        ns.dbt_pool: {
            "slots": 1,
            "description": f"one dbt invocation at a time for the DAGs of namespace {ns.name}",
            "include_deferred": False,
        }
        for ns in namespaces
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["pools"]:
        print("usage: python -m taxi_pipeline.orchestration.namespaces pools", file=sys.stderr)
        return 2
    try:
        pools = dbt_pools(configured_namespaces())
    except InvalidParameter as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(pools, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
