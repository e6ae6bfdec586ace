"""NYC TLC taxi trips, one month per run: ingest_taxi_month -> dbt_run -> dbt_test.

Each task hands the next a small record of what it did (the month, its raw schema and load; no
secret); the work itself is in ``taxi_pipeline.orchestration.tasks``. One DAG per TLC service
(taxi_pipeline for green, taxi_pipeline_yellow), so that each service's months are scheduled,
backfilled, failed and re-run on their own; all of them for each namespace listed in
TAXI_NAMESPACES (``taxi_pipeline.orchestration.namespaces``), else the plain ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from taxi_pipeline.core.names import DEFAULT_SERVICE, TRIP_SERVICES
from taxi_pipeline.orchestration import tasks
from taxi_pipeline.orchestration.assets import MonthAssets
from taxi_pipeline.orchestration.namespaces import Namespace, configured_namespaces

# Found next to the dags folder, so it works wherever the project is deployed (this repository,
# an Astro image, a docker-compose mount); TAXI_DBT_PROJECT_DIR overrides it at run time.
DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "include" / "dbt_project"

DOC_MD = """
### NYC TLC taxi trips, month by month

Each run loads **one month** of TLC trip records into PostgreSQL (connection `azure_pg`), then
builds and tests the dbt models for it: `ingest_taxi_month` -> `dbt_run` -> `dbt_test`. A
scheduled or backfill run loads the month of its data interval; trigger one month with

    airflow dags trigger taxi_pipeline --conf '{"month": "2024-01"}'

Both dbt tasks run in the one-slot pool `dbt` (create it once:
`airflow pools set dbt 1 "one dbt invocation at a time"`). Which month a run loads, retries,
batches, namespaces and every setting: README.md, "Running the DAG". Failures and what to do:
RUNBOOK.md next to this file.
"""

SERVICE_DOC = """
**Service `{service}`.** This DAG loads TLC's `{service}_tripdata_YYYY-MM.parquet` files into
`{service}_trips`; read `{dag_id}` for `taxi_pipeline` in the commands below. The marts
(`fct_trips`, `mart_monthly_summary`) hold every service, each run replacing only its own
service's month, and dbt shares one pool with the other services' DAGs.

"""

NAMESPACE_DOC = """
**Namespace `{name}`.** This copy loads into `{raw}`, builds `{analytics}` and runs dbt in the pool
`{pool}`; read `{dag_id}` for `taxi_pipeline` in the commands below.

"""


def dag_doc(namespace: Namespace, service: str) -> str:
    doc = DOC_MD
    if service != DEFAULT_SERVICE:
        doc = SERVICE_DOC.format(service=service, dag_id=namespace.service_dag_id(service)) + doc
    if not namespace.is_default:
        header = NAMESPACE_DOC.format(
            name=namespace.name,
            raw=namespace.raw_schema,
            analytics=namespace.dbt_schema,
            pool=namespace.dbt_pool,
            dag_id=namespace.service_dag_id(service),
        )
        doc = header + doc
    return doc


def build_dag(namespace: Namespace, service: str):
    @dag(
        dag_id=namespace.service_dag_id(service),
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
        tags=["taxi", "tlc", "dbt", "postgres", f"service:{service}", *namespace.tags],
        doc_md=dag_doc(namespace, service),
    )
    def taxi_pipeline():
        # Each month publishes asset events (the service and month in their extra) for what it
        # produced: the raw table once loaded, the marts once tested. Names:
        # taxi_pipeline.orchestration.assets.
        assets = MonthAssets(namespace)

        @task(execution_timeout=timedelta(hours=1), outlets=[assets.raw_trips])
        def ingest_taxi_month(namespace: str, service: str):
            """Download the run's month from TLC and swap it into the raw table."""
            return tasks.ingest_taxi_month(namespace=namespace, service=service)

        # The pool is the namespace's own: dbt never runs twice at once against one schema, while
        # other namespaces' dbt runs (other schemas) go ahead.
        @task(pool=namespace.dbt_pool, execution_timeout=timedelta(hours=1))
        def dbt_run(loaded: dict, dbt_project_dir: str, namespace: str):
            """Build the seeds and models for the month just loaded (and any other waiting)."""
            return tasks.dbt_run(loaded, dbt_project_dir=dbt_project_dir, namespace=namespace)

        @task(pool=namespace.dbt_pool, execution_timeout=timedelta(hours=1), outlets=assets.marts)
        def dbt_test(built: dict, dbt_project_dir: str, namespace: str):
            """Test that month; a failing test fails this run, naming the test."""
            return tasks.dbt_test(built, dbt_project_dir=dbt_project_dir, namespace=namespace)

        # The namespace and the service are fixed here, not run parameters, so that no trigger
        # can point one namespace's run at another's schemas, or one service's DAG at another's
        # files. dbt takes the service from what ingest loaded.
        project, name = str(DBT_PROJECT_DIR), namespace.name
        loaded = ingest_taxi_month(namespace=name, service=service)
        built = dbt_run(loaded, dbt_project_dir=project, namespace=name)
        dbt_test(built, dbt_project_dir=project, namespace=name)

    return taxi_pipeline()


for _namespace in configured_namespaces():
    for _service in TRIP_SERVICES:
        build_dag(_namespace, _service)
