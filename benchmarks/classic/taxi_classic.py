"""The classic teaching pipeline, as the baseline of the backfill benchmark (not a project DAG).

One month per run, the way the pipeline is usually taught: ``requests`` downloads the month's
file, ``pandas.read_parquet`` reads it, the month is deleted and the frame appended with
``DataFrame.to_sql`` (SQLAlchemy on psycopg2), then ``dbt run`` and ``dbt test`` run as two CLI
calls over this repository's dbt project, with a fixed ``--target-path`` so that dbt's partial
parse carries over from one call to the next. Credentials come from the Airflow connection
``azure_pg``, read inside each task.

Two departures from the teaching version keep the project's dbt models and tests valid over its
tables, so that both sides run the same SQL per month:

- the raw table has the project's raw columns (``taxi_pipeline.core.schema``) plus ``source_month``
  and ``source_row``, and every load writes a row into ``raw.load_log``;
- the month is deleted by ``source_month`` (the file's month), not by pickup month: the project's
  reconciliation test requires each file's rows to stay whole, and a delete by pickup month
  removes the previous file's rows that spill into this month. Both are one scan of the table.

The dbt project processes the months in ``TAXI_DBT_MONTHS`` (here the run's one month). Its
``taxi_zones`` seed is loaded once per database before the first run, as the teaching setup's
one-off ``dbt seed``.

This file lives outside ``dags/``: ``benchmarks.backfill`` adds it to the DAG folder of its own
private Airflow.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from airflow.sdk import Connection, CronDataIntervalTimetable, Param, dag, task

from taxi_pipeline.core.months import Month
from taxi_pipeline.core.schema import GREEN, SERVICES

DAG_ID = "taxi_classic"
CONNECTION_ID = "azure_pg"
RAW_SCHEMA = "raw"
DBT_SCHEMA = "analytics"
DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "include" / "dbt_project"


def month_of_run(month_param: str | None, data_interval_start: datetime | None) -> Month:
    """The ``month`` param of a manual run, else the month the run's data interval starts in."""
    if month_param:
        return Month.parse(month_param)
    if data_interval_start is None:
        raise ValueError(
            "this run has neither a month param nor a data interval: trigger it "
            'with --conf \'{"month": "2024-01"}\''
        )
    return Month.of(data_interval_start)


def raw_tables_ddl() -> str:
    """The raw trips tables (the project's raw columns; every service's, as the project's staging
    models read them all) and the load log the dbt tests read."""
    tables = ""
    for schema in SERVICES.values():
        definitions = schema.column_definitions()
        columns = ",\n    ".join(f"{name} {pg_type}" for name, pg_type in definitions)
        tables += f"""
create table if not exists {RAW_SCHEMA}.{schema.raw_table} (
    {columns},
    source_month date not null,
    source_row bigint not null
);"""
    return f"""
create schema if not exists {RAW_SCHEMA};{tables}
create table if not exists {RAW_SCHEMA}.load_log (
    load_id bigint generated always as identity primary key,
    service text not null,
    source_month date not null,
    rows_loaded bigint not null,
    loaded_at timestamptz not null default now()
);
"""


def work_dir() -> Path:
    """Downloads and dbt's target and logs, under the Airflow home."""
    home = Path(os.environ.get("AIRFLOW_HOME") or Path("~/airflow").expanduser())
    path = home / DAG_ID
    path.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_engine():
    import sqlalchemy

    conn = Connection.get(CONNECTION_ID)
    url = sqlalchemy.engine.URL.create(
        "postgresql+psycopg2",
        username=conn.login,
        password=conn.password,
        host=conn.host,
        port=conn.port,
        database=conn.schema,
    )
    return sqlalchemy.create_engine(url)


def dbt_command(command: str, month: Month) -> str:
    """``dbt <command>`` for ``month``, its profile's connection settings put in the environment.

    The bash task's shell inherits this task process's environment; the settings do not go
    through the operator's ``env`` (a templated field, shown rendered in the UI) nor the command
    line. The password sits in a ``DBT_ENV_SECRET_*`` variable, which dbt scrubs from its output.
    """
    conn = Connection.get(CONNECTION_ID)
    os.environ.update(
        TAXI_PG_HOST=conn.host or "localhost",
        TAXI_PG_PORT=str(conn.port or 5432),
        TAXI_PG_USER=conn.login or "",
        TAXI_PG_DBNAME=conn.schema or "postgres",
        DBT_ENV_SECRET_PG_PASSWORD=conn.password or "",
        TAXI_DBT_SCHEMA=DBT_SCHEMA,
        TAXI_RAW_SCHEMA=RAW_SCHEMA,
        TAXI_DBT_MONTHS=month.first_day.isoformat(),
    )
    dbt_dir = work_dir() / "dbt"
    # The dbt installed beside the interpreter that runs the task: the scheduler's PATH may not
    # include the virtualenv.
    dbt = Path(sys.executable).with_name("dbt")
    args = [
        str(dbt),
        command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(dbt_dir / "target"),
        "--log-path",
        str(dbt_dir / "logs"),
    ]
    return shlex.join(args)


@dag(
    dag_id=DAG_ID,
    schedule=CronDataIntervalTimetable("0 0 1 * *", timezone="UTC"),
    start_date=datetime(2009, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    params={"month": Param(None, type=["null", "string"], title="Month (YYYY-MM)")},
    tags=["taxi", "benchmark-baseline"],
    doc_md=__doc__,
)
def taxi_classic():
    @task
    def ingest_taxi_month(params=None, data_interval_start=None) -> dict:
        import pandas as pd
        import requests
        import sqlalchemy

        from taxi_pipeline.core.names import DEFAULT_TLC_BASE_URL

        month = month_of_run(params.get("month"), data_interval_start)
        base_url = os.environ.get("TAXI_TLC_BASE_URL", DEFAULT_TLC_BASE_URL)
        started = time.perf_counter()
        response = requests.get(f"{base_url}/green_tripdata_{month}.parquet", timeout=120)
        response.raise_for_status()
        path = work_dir() / f"green_tripdata_{month}.parquet"
        path.write_bytes(response.content)
        downloaded = time.perf_counter()

        frame = pd.read_parquet(path)
        frame.columns = [name.lower() for name in frame.columns]
        frame["source_month"] = month.first_day
        frame["source_row"] = range(len(frame))
        engine = warehouse_engine()
        with engine.begin() as conn:
            conn.exec_driver_sql(raw_tables_ddl())
            conn.execute(
                sqlalchemy.text(
                    f"delete from {RAW_SCHEMA}.{GREEN.raw_table} where source_month = :month"
                ),
                {"month": month.first_day},
            )
        frame.to_sql(GREEN.raw_table, engine, schema=RAW_SCHEMA, if_exists="append", index=False)
        with engine.begin() as conn:
            conn.execute(
                sqlalchemy.text(
                    f"insert into {RAW_SCHEMA}.load_log (service, source_month, rows_loaded) "
                    "values ('green', :month, :rows)"
                ),
                {"month": month.first_day, "rows": len(frame)},
            )
        engine.dispose()
        path.unlink()
        return {
            "month": str(month),
            "rows_loaded": len(frame),
            "download_s": round(downloaded - started, 2),
            # The warehouse load, as the project's ingest task reports it: read, delete, append.
            "seconds": round(time.perf_counter() - downloaded, 2),
        }

    # No XCom: a bash task would push the last line of dbt's output.
    @task.bash(do_xcom_push=False)
    def dbt_run(params=None, data_interval_start=None) -> str:
        return dbt_command("run", month_of_run(params.get("month"), data_interval_start))

    @task.bash(do_xcom_push=False)
    def dbt_test(params=None, data_interval_start=None) -> str:
        return dbt_command("test", month_of_run(params.get("month"), data_interval_start))

    ingest_taxi_month() >> dbt_run() >> dbt_test()


taxi_classic()
