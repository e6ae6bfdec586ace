"""NYC TLC taxi trips, one month per run: ingest_taxi_month -> dbt_run -> dbt_test.

The task bodies live in ``taxi_pipeline.airflow_tasks``; this file only wires them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from taxi_pipeline import airflow_tasks

# Found next to the dags folder, so it works wherever the project is deployed (this repository,
# an Astro image, a docker-compose mount); TAXI_DBT_PROJECT_DIR overrides it at run time.
DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "include" / "dbt_project"

DOC_MD = """
### NYC TLC taxi trips, month by month

Each run loads **one month** of TLC trip records into PostgreSQL (connection `azure_pg`), then
builds and tests the dbt models for that month:

`ingest_taxi_month` -> `dbt_run` (seed + run) -> `dbt_test`

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

**Configuration** (Airflow Variable, else environment variable, else default):
`taxi_tlc_base_url` / `TAXI_TLC_BASE_URL`, `taxi_service` (green), `taxi_raw_schema` (raw),
`taxi_dbt_schema` (analytics), `taxi_work_dir` (a folder under AIRFLOW_HOME),
`taxi_publication_grace_days` (75; also a run parameter), `taxi_publication_poke_s`,
`taxi_retry_delay_s` (overrides the 5-minute retry delay). Credentials come only from the
`azure_pg` connection. Failures and recoveries: see RUNBOOK.md next to this file.
"""

ingest_taxi_month = task(
    task_id="ingest_taxi_month",
    multiple_outputs=False,
    execution_timeout=timedelta(hours=1),
)(airflow_tasks.ingest_taxi_month)

dbt_run = task(
    task_id="dbt_run",
    multiple_outputs=False,
    pool=airflow_tasks.DBT_POOL,
    execution_timeout=timedelta(hours=1),
)(airflow_tasks.dbt_run)

dbt_test = task(
    task_id="dbt_test",
    multiple_outputs=False,
    pool=airflow_tasks.DBT_POOL,
    execution_timeout=timedelta(hours=1),
)(airflow_tasks.dbt_test)


@dag(
    dag_id=airflow_tasks.DAG_ID,
    # Each run covers the month before its trigger time: [M, M+1). A plain "@monthly" would give
    # runs a zero-length interval in Airflow 3.
    schedule=CronDataIntervalTimetable("0 0 1 * *", timezone="UTC"),
    start_date=datetime(2009, 1, 1, tzinfo=UTC),
    catchup=False,
    # Loads of different months may overlap; dbt is serialised by its pool, not by this.
    max_active_runs=4,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_policy": airflow_tasks.TransientOnlyRetryPolicy(),
    },
    params={
        "month": Param(
            None,
            type=["null", "string"],
            pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
            title="Month (YYYY-MM)",
            description=(
                "The month to load, e.g. 2024-01. Wins over the run's data interval; required "
                "for a manual run without a logical date."
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
    tags=["taxi", "tlc", "dbt", "postgres"],
    doc_md=DOC_MD,
)
def taxi_pipeline():
    dir_arg = str(DBT_PROJECT_DIR)
    ingest_taxi_month() >> dbt_run(dbt_project_dir=dir_arg) >> dbt_test(dbt_project_dir=dir_arg)


taxi_pipeline()
