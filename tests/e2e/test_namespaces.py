"""Two namespaces of the pipeline side by side in one Airflow and one warehouse database.

The session's Airflow runs the un-namespaced DAG only, so this module starts a second one with
``TAXI_NAMESPACES=alice,bob`` (its own state dir, hence its own metadata database) against a fresh
warehouse database. Alice backfills January 2024 and Bob December 2023 to January 2024, both
backfills created at the same moment; each copy must end up with exactly its own months in its own
schemas, and dbt must stay serialised within a namespace without holding up the other one.

Each namespace connects with a login of its own (``taxi-pipeline namespace-logins``: the
connections ``azure_pg__alice`` and ``azure_pg__bob``), so PostgreSQL itself keeps them apart.
"""

from __future__ import annotations

import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import sql

from taxi_pipeline.core.connection import WarehouseConnection
from taxi_pipeline.core.errors import WarehousePermissionDenied
from taxi_pipeline.core.months import Month, month_range
from taxi_pipeline.core.names import DAG_ID, SUMMARY_EXPORT_DAG_ID
from taxi_pipeline.core.pipeline import ingest_month, transform_month
from taxi_pipeline.core.schema import GREEN
from taxi_pipeline.core.settings import Settings
from taxi_pipeline.core.warehouse import Warehouse
from taxi_pipeline.local.airflow import LocalAirflow
from taxi_pipeline.orchestration.namespaces import Namespace
from tests.e2e.conftest import REPO_DAGS, started_airflow
from tests.support.cli import run_cli
from tests.support.sample_months import rows_in_sample
from tests.support.timings import TIMINGS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BACKFILLS = {
    "alice": (Month(2024, 1), Month(2024, 1)),
    "bob": (Month(2023, 12), Month(2024, 1)),
}
DAG_IDS = {ns: f"{ns}__taxi_pipeline" for ns in BACKFILLS}
DBT_TASKS = ("dbt_run", "dbt_test")
RUN_TIMEOUT_S = 420
WAREHOUSE_DB = "taxi_namespaces"


def months_between(first: Month, last: Month) -> list[str]:
    return [str(month) for month in month_range(first, last)]


@pytest.fixture(scope="module")
def ns_warehouse(pg_server) -> str:
    info = pg_server.connection()
    with psycopg.connect(info.url("postgres"), autocommit=True) as conn:
        drop = sql.SQL("drop database if exists {} with (force)").format(
            sql.Identifier(WAREHOUSE_DB)
        )
        conn.execute(drop)
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(WAREHOUSE_DB)))
    yield info.url(WAREHOUSE_DB)
    with psycopg.connect(info.url("postgres"), autocommit=True) as conn:
        conn.execute(drop)


@pytest.fixture(scope="module")
def ns_logins(tmp_path_factory, ns_warehouse) -> dict[str, str]:
    """Each namespace's own login, made by ``taxi-pipeline namespace-logins``: its Airflow
    connection JSON, by namespace."""
    state_dir = tmp_path_factory.mktemp("ns-logins")
    command = ["namespace-logins", "--namespaces", ",".join(BACKFILLS)]
    command += ["--warehouse-url", ns_warehouse, "--state-dir", str(state_dir)]
    result = run_cli(*command, timeout_s=120)
    assert result.returncode == 0, result.stdout + result.stderr
    logins = {ns: (state_dir / "logins" / f"azure_pg__{ns}.json").read_text() for ns in BACKFILLS}
    for ns, login in logins.items():
        password = json.loads(login)["password"]
        assert password not in result.stdout + result.stderr
        assert f"airflow connections add azure_pg__{ns} --conn-json" in result.stdout
    return logins


def login_url(ns_logins: dict[str, str], ns: str) -> str:
    return WarehouseConnection.from_env_value(ns_logins[ns]).url


@pytest.fixture(scope="module")
def ns_airflow(tmp_path_factory, tlc_mirror, ns_warehouse, ns_logins) -> LocalAirflow:
    tlc_mirror.reset()
    local = LocalAirflow(
        tmp_path_factory.mktemp("ns-airflow"),
        dags_folder=REPO_DAGS,
        # azure_pg stays the warehouse's owner: each DAG must pick its own login over it.
        warehouse_url=ns_warehouse,
        extra_env={
            "TAXI_NAMESPACES": ",".join(BACKFILLS),
            "TAXI_TLC_BASE_URL": tlc_mirror.base_url,
            "TAXI_RETRY_DELAY_S": "2",
            **{f"AIRFLOW_CONN_AZURE_PG__{ns.upper()}": ns_logins[ns] for ns in BACKFILLS},
        },
        expected_dags=DAG_IDS.values(),
    )
    with started_airflow(
        local,
        "namespaces: second Airflow up (alice, bob)",
        up_timeout_s=360,
        unpause=False,
        stop=lambda: local.down(stop_postgres=True),
    ):
        yield local


@pytest.fixture(scope="module")
def backfills(ns_airflow) -> dict[str, list[dict]]:
    """Both backfills created at once, then waited for; the runs of each, by namespace.

    Both DAGs are unpaused in one command first; no other backfill follows here, so the wait ends
    with the runs rather than when the scheduler next marks the backfills complete."""
    clock = time.monotonic()
    ns_airflow.unpause(*DAG_IDS.values())
    with ThreadPoolExecutor(len(BACKFILLS)) as pool:
        ids = dict(
            zip(
                BACKFILLS,
                pool.map(
                    lambda ns: ns_airflow.create_backfill(*BACKFILLS[ns], dag_id=DAG_IDS[ns]),
                    BACKFILLS,
                ),
                strict=True,
            )
        )
    runs = {
        ns: ns_airflow.wait_for_backfill(ids[ns], timeout_s=RUN_TIMEOUT_S, marked_complete=False)
        for ns in ids
    }
    TIMINGS["namespaces: both backfills, created together to done"] = (
        f"{time.monotonic() - clock:.1f}s"
    )
    return runs


def dbt_intervals(airflow: LocalAirflow, namespace: str) -> list[dict]:
    tries = airflow.task_instances(DAG_IDS[namespace], history=True)
    return sorted(
        (t for t in tries if t["task_id"] in DBT_TASKS and t["start_date"] is not None),
        key=lambda t: t["start_date"],
    )


def test_one_dag_per_namespace_and_no_plain_one(ns_airflow):
    dags = ns_airflow.dags()
    for dag_id in DAG_IDS.values():
        assert dag_id in dags and not dags[dag_id]["is_stale"], dag_id
    assert "taxi_pipeline" not in dags and "taxi_pipeline_yellow" not in dags
    with ns_airflow.metadata() as conn:
        pools = dict(
            conn.execute("select pool, slots from slot_pool where pool like 'dbt%'").fetchall()
        )
        tags = set(
            conn.execute(
                "select dag_id, name from dag_tag where name like 'ns:%' order by 1"
            ).fetchall()
        )
    assert {pools.get(f"dbt__{ns}") for ns in BACKFILLS} == {1}, pools
    # Each namespace has one DAG per TLC service, and its copy of the example asset consumer.
    assert tags == {
        (Namespace(ns).prefixed(dag_id), f"ns:{ns}")
        for ns in BACKFILLS
        for dag_id in (DAG_ID, f"{DAG_ID}_yellow", SUMMARY_EXPORT_DAG_ID)
    }


def test_both_backfills_succeed(backfills):
    for ns, (first, last) in BACKFILLS.items():
        states = [r["state"] for r in backfills[ns]]
        assert states == ["success"] * len(months_between(first, last)), (ns, backfills[ns])


def test_each_namespace_holds_exactly_its_own_months(ns_warehouse, backfills):
    with psycopg.connect(ns_warehouse) as conn:
        schemas = {
            row[0]
            for row in conn.execute(
                "select schema_name from information_schema.schemata "
                "where schema_name not like 'pg\\_%' and schema_name not in "
                "('information_schema', 'public')"
            )
        }
        # Nothing leaked into the un-namespaced schemas, which no DAG here owns.
        assert schemas == {f"{ns}_{kind}" for ns in BACKFILLS for kind in ("raw", "analytics")}
        found = {}
        for ns in BACKFILLS:
            found[ns] = {
                "raw": _per_month(conn, ns + "_raw", "green_trips", "count(*)"),
                "facts": _per_month(conn, ns + "_analytics", "fct_trips", "count(*)"),
                "summary": _per_month(
                    conn, ns + "_analytics", "mart_monthly_summary", "sum(trips)::bigint"
                ),
            }
    for ns, (first, last) in BACKFILLS.items():
        expected = {m: rows_in_sample(Month.parse(m)) for m in months_between(first, last)}
        assert found[ns] == {"raw": expected, "facts": expected, "summary": expected}, ns
    assert found["alice"]["raw"] != found["bob"]["raw"]


def _per_month(conn, schema: str, table: str, measure: str) -> dict[str, int]:
    query = sql.SQL(
        "select to_char(source_month, 'YYYY-MM'), " + measure + " from {}.{} group by 1"
    ).format(sql.Identifier(schema), sql.Identifier(table))
    return dict(conn.execute(query).fetchall())


def test_each_namespace_works_in_its_own_folder(ns_airflow, backfills):
    base = ns_airflow.home / "taxi_pipeline"
    for ns in BACKFILLS:
        assert (base / "namespaces" / ns).is_dir(), ns
    assert not (base / "downloads").exists()
    assert not (base / "dbt").exists()


def test_dbt_is_serialised_within_a_namespace_not_across(ns_airflow, backfills):
    intervals = {ns: dbt_intervals(ns_airflow, ns) for ns in BACKFILLS}
    for ns, (first, last) in BACKFILLS.items():
        tries = intervals[ns]
        assert len(tries) == len(DBT_TASKS) * len(months_between(first, last)), tries
        assert {t["pool"] for t in tries} == {f"dbt__{ns}"}
        for before, after in itertools.pairwise(tries):
            assert before["end_date"] <= after["start_date"], (ns, before, after)
    # The pools differ, so the scheduler lets the namespaces' dbt runs overlap; whether they did
    # depends on timing, and is reported rather than asserted.
    overlap = sum(
        max(
            0.0,
            (
                min(a["end_date"], b["end_date"]) - max(a["start_date"], b["start_date"])
            ).total_seconds(),
        )
        for a in intervals["alice"]
        for b in intervals["bob"]
    )
    TIMINGS["namespaces: alice's and bob's dbt tasks ran at the same time for"] = f"{overlap:.1f}s"


def test_each_namespace_built_everything_with_its_own_login(ns_warehouse, backfills):
    with psycopg.connect(ns_warehouse) as conn:
        owners = conn.execute(
            "select n.nspname, c.relname, c.relowner::regrole::text from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname like any(%s) and c.relkind in ('r', 'p', 'v')",
            ([f"{ns}\\_%" for ns in BACKFILLS],),
        ).fetchall()
    tables = {(schema, name) for schema, name, _ in owners}
    for ns in BACKFILLS:
        assert (f"{ns}_raw", "green_trips") in tables and (f"{ns}_analytics", "fct_trips") in tables
    wrong = [row for row in owners if row[2] != f"taxi_{row[0].rsplit('_', 1)[0]}"]
    assert not wrong, wrong


def test_alices_login_is_refused_bobs_schemas_and_bob_keeps_his_months(
    ns_warehouse, ns_logins, backfills, tlc_mirror, tmp_path
):
    bob_raw = Warehouse(ns_warehouse, GREEN, "bob_raw")
    bob_before = [(s.source_month, s.rows_loaded, s.checksum) for s in bob_raw.month_states()]
    alice = login_url(ns_logins, "alice")
    with psycopg.connect(alice) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select count(*) from bob_raw.green_trips")
    as_alice_into_bob = Settings(
        tlc_base_url=tlc_mirror.base_url,
        state_dir=tmp_path,
        work_dir=tmp_path,
        raw_schema="bob_raw",
        dbt_schema="bob_analytics",
    )
    refused = "refused the login 'taxi_alice': permission denied for schema"
    with pytest.raises(WarehousePermissionDenied, match=f"{refused} bob_raw"):
        ingest_month(as_alice_into_bob, Month(2023, 12), alice)
    with pytest.raises(WarehousePermissionDenied, match=f"{refused} bob_analytics"):
        transform_month(as_alice_into_bob, Month(2023, 12), alice, echo=lambda line: None)
    bob_after = [(s.source_month, s.rows_loaded, s.checksum) for s in bob_raw.month_states()]
    assert bob_after == bob_before and len(bob_before) == 2
