"""NYC TLC taxi trips, one month per run: ingest_taxi_month -> dbt_run -> dbt_test.

The task bodies live in ``taxi_pipeline.orchestration.tasks``; this file only wires them. One
DAG per namespace listed in TAXI_NAMESPACES (``taxi_pipeline.orchestration.namespaces``), else the
plain taxi_pipeline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from taxi_pipeline.orchestration import tasks
from taxi_pipeline.orchestration.namespaces import Namespace, configured_namespaces

# Found next to the dags folder, so it works wherever the project is deployed (this repository,
# an Astro image, a docker-compose mount); TAXI_DBT_PROJECT_DIR overrides it at run time.
DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "include" / "dbt_project"

DOC_MD = """
### NYC TLC taxi trips, month by month

Each run loads **one month** of TLC trip records into PostgreSQL (connection `azure_pg`), then
builds and tests the dbt models for that month:

`ingest_taxi_month` -> `dbt_run` (seeds and models) -> `dbt_test`

**Which month.** A scheduled or backfill run covers its data interval: the run with interval
2024-01-01 .. 2024-02-01 (logical date 2024-01-01) loads January 2024. The `month` parameter
(`YYYY-MM`) wins over the interval whenever it is given. A manual run without it loads the month
of its logical date (its data interval reflects when it was triggered, so it is not used); a
manual run with neither fails at once. Trigger one month like this:

    airflow dags trigger taxi_pipeline --conf '{"month": "2024-01"}'
    taxi-pipeline run --month 2024-01

History is loaded deliberately (catchup is off):
`airflow backfill create --dag-id taxi_pipeline --from-date 2023-01-01 --to-date 2023-12-01`.

**Months not yet published.** TLC publishes about two months late and answers 403 until then.
While a month is within `publication_grace_days` (default 75) of its end, `ingest_taxi_month`
waits in `up_for_reschedule`, holding no worker slot, and checks again every
`taxi_publication_poke_s` seconds (default 6 hours). After that deadline a 403/404 fails the run
on its first try with "not published by <date>", naming the URL to check.

**Retries.** Two, for transient faults only (network, timeouts, HTTP 5xx, a lost database
connection). A missing month past its deadline, a corrupt file, a schema change or a failing dbt
test fail without retrying.

**Concurrency.** Months load in parallel; both dbt tasks run in the one-slot pool `dbt`, so no two
dbt invocations ever overlap, whatever kind of run they belong to. Create it once:
`airflow pools set dbt 1 "one dbt invocation at a time"`.

**Batches.** A dbt task transforms (or tests) every month that is loaded and waiting, in one dbt
invocation; the dbt tasks of the other months' runs then find their month done and finish in a
second without starting dbt (their log says which run's batch did it). Each run still reports its
own month: a failing test fails only the runs of the months it fails for. To re-run one month,
clear its `ingest_taxi_month` (downstream included): the new load is transformed again.

**Namespaces.** One Airflow can hold several copies of this DAG, one per name in the environment
variable `TAXI_NAMESPACES` (e.g. `alice,bob`): `alice__taxi_pipeline` loads into `alice_raw`,
builds `alice_analytics` and runs dbt in its own one-slot pool `dbt__alice`: no copy touches
another's tables or waits for another's dbt. Create the pools with
`python -m taxi_pipeline.orchestration.namespaces pools > pools.json`, then
`airflow pools import pools.json`.

**Configuration** (Airflow Variable, else environment variable, else default):
`taxi_tlc_base_url` / `TAXI_TLC_BASE_URL`, `taxi_service` (green), `taxi_raw_schema` (raw),
`taxi_dbt_schema` (analytics; a namespace's schemas are fixed), `taxi_work_dir` (a folder under
AIRFLOW_HOME; a namespace works in `namespaces/<name>` below it),
`taxi_publication_grace_days` (75; also a run parameter), `taxi_publication_poke_s`,
`taxi_retry_delay_s` (overrides the 5-minute retry delay), `taxi_copy_streams` (2 parallel COPY
streams per load; more only pays on a server with cores to spare). Credentials come only from the
`azure_pg` connection. Failures and recoveries: see RUNBOOK.md next to this file.
"""

NAMESPACE_DOC = """
**Namespace `{name}`.** This copy loads into `{raw}`, builds `{analytics}` and runs dbt in the pool
`{pool}`; read `{dag_id}` for `taxi_pipeline` in the commands below.

"""


def namespace_doc(namespace: Namespace) -> str:
    if namespace.is_default:
        return DOC_MD
    header = NAMESPACE_DOC.format(
        name=namespace.name,
        raw=namespace.raw_schema,
        analytics=namespace.dbt_schema,
        pool=namespace.dbt_pool,
        dag_id=namespace.dag_id,
    )
    return header + DOC_MD


def build_dag(namespace: Namespace):
    @dag(
        dag_id=namespace.dag_id,
        # Each run covers the month before its trigger time: [M, M+1). A plain "@monthly" would
        # give runs a zero-length interval in Airflow 3.
        schedule=CronDataIntervalTimetable("0 0 1 * *", timezone="UTC"),
        start_date=datetime(2009, 1, 1, tzinfo=UTC),
        catchup=False,
        # Loads of different months may overlap; dbt is serialised by its pool, not by this.
        max_active_runs=4,
        default_args={
            # Months already loaded are transformed and tested before new months start: the dbt
            # tasks then find several months waiting and take them in one invocation.
            "weight_rule": "upstream",
            "retries": 2,
            "retry_delay": timedelta(minutes=5),
            "retry_policy": tasks.TransientOnlyRetryPolicy(),
        },
        params={
            "month": Param(
                None,
                type=["null", "string"],
                pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
                title="Month (YYYY-MM)",
                description=(
                    "The month to load, e.g. 2024-01. Wins over the run's data interval; "
                    "required for a manual run without a logical date."
                ),
            ),
            "publication_grace_days": Param(
                None,
                type=["null", "integer"],
                minimum=0,
                title="Publication grace (days)",
                description=(
                    "How long after the month ends to wait for TLC to publish it before failing. "
                    "Empty: the Variable taxi_publication_grace_days, else 75."
                ),
            ),
        },
        tags=["taxi", "tlc", "dbt", "postgres", *namespace.tags],
        doc_md=namespace_doc(namespace),
    )
    def taxi_pipeline():
        ingest_taxi_month = task(
            task_id="ingest_taxi_month",
            multiple_outputs=False,
            execution_timeout=timedelta(hours=1),
        )(tasks.ingest_taxi_month)
        # The pool is the namespace's own: dbt never runs twice at once against one schema, while
        # other namespaces' dbt runs (other schemas) go ahead.
        dbt_run = task(
            task_id="dbt_run",
            multiple_outputs=False,
            pool=namespace.dbt_pool,
            execution_timeout=timedelta(hours=1),
        )(tasks.dbt_run)
        dbt_test = task(
            task_id="dbt_test",
            multiple_outputs=False,
            pool=namespace.dbt_pool,
            execution_timeout=timedelta(hours=1),
        )(tasks.dbt_test)

        # The namespace is fixed here, not a run parameter, so that no trigger can point one
        # namespace's run at another's schemas.
        project, name = str(DBT_PROJECT_DIR), namespace.name
        loaded = ingest_taxi_month(namespace=name)
        built = dbt_run(loaded, dbt_project_dir=project, namespace=name)
        dbt_test(built, dbt_project_dir=project, namespace=name)

    return taxi_pipeline()


for _namespace in configured_namespaces():
    build_dag(_namespace)
