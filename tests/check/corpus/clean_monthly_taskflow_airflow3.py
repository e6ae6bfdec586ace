# expect: none
"""A well-built monthly load: period from the data interval, idempotent load, serialised dbt."""

from __future__ import annotations

import logging
import os

import pendulum
import requests
from airflow.exceptions import AirflowFailException
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import dag, get_current_context, task

log = logging.getLogger(__name__)
TLC = "https://d37ci6vzurychx.cloudfront.net/trip-data"
WORK_DIR = os.environ.get("TAXI_WORK_DIR", "work")


@dag(
    schedule="@monthly",
    start_date=pendulum.datetime(2019, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=5)},
    tags=["taxi"],
)
def clean_monthly_taskflow_airflow3():
    @task
    def download() -> str:
        context = get_current_context()
        month = context["data_interval_start"].strftime("%Y-%m")
        response = requests.get(f"{TLC}/yellow_tripdata_{month}.parquet", timeout=300)
        if response.status_code in (403, 404):
            raise AirflowFailException(f"{month} is not published ({response.status_code})")
        response.raise_for_status()
        path = os.path.join(WORK_DIR, f"yellow_{month}.parquet")
        with open(path, "wb") as handle:
            handle.write(response.content)
        log.info("downloaded %s at %s", month, pendulum.now())
        return path

    @task
    def load(path: str, data_interval_start=None):
        month = data_interval_start.strftime("%Y-%m")
        hook = PostgresHook(postgres_conn_id="warehouse")
        with hook.get_conn() as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM raw.yellow WHERE source_month = %s", (month,))
            with open(path, "rb") as handle:
                cur.copy_expert("COPY raw.yellow FROM STDIN WITH (FORMAT binary)", handle)

    dbt = BashOperator(
        task_id="dbt_build",
        bash_command="dbt build --project-dir {{ params.dbt_dir }}",
        params={"dbt_dir": "dbt"},
        pool="dbt",
    )
    load(download()) >> dbt


clean_monthly_taskflow_airflow3()
