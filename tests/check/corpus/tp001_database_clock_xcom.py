# expect: TP001@20
"""The window comes from the database server's clock and reaches the next DAG through XCom."""

import logging

import pendulum
from airflow.decorators import dag, task
from airflow.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook

log = logging.getLogger(__name__)


@dag(schedule="@hourly", start_date=pendulum.datetime(2026, 1, 1), catchup=False)
def hourly_window():
    @task
    def window_start():
        hook = PostgresHook(postgres_conn_id="warehouse")
        # the server's now, not the run's data interval
        row = hook.get_first("SELECT now() - INTERVAL '1 hour'")  # <- TP001
        return row[0].isoformat()

    @task
    def high_water_mark():
        hook = PostgresHook(postgres_conn_id="warehouse")
        # a watermark read from the data is not a clock
        return hook.get_first("SELECT max(pickup_datetime) FROM trips")[0].isoformat()

    @task
    def server_time():
        hook = PostgresHook(postgres_conn_id="warehouse")
        log.info("database clock: %s", hook.get_first("SELECT current_timestamp")[0])
        return "ok"

    start = window_start()
    mark = high_water_mark()
    pull = TriggerDagRunOperator(
        task_id="pull_window",
        trigger_dag_id="pull_trips",
        conf={
            "window_start": "{{ ti.xcom_pull(task_ids='window_start') }}",
            "after": "{{ ti.xcom_pull(task_ids='high_water_mark') }}",
            "note": "{{ ti.xcom_pull(task_ids='server_time') }}",
        },
    )
    [start, mark, server_time()] >> pull


hourly_window()
