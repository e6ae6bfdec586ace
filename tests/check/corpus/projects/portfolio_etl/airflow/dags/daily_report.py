# expect: TP001@14
"""The day comes from the clock and reaches SQL inside a helper module; an audit row does not."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from reporting import storage
from reporting.db import execute_non_query, log_table_stats


def build_report() -> None:
    rows = ["a", "b"]
    day = datetime.now().strftime("%Y-%m-%d")
    storage.save_report(rows, day)
    execute_non_query(
        "INSERT INTO audit_events (event, at) VALUES (%s, %s)", ("report", datetime.utcnow())
    )
    log_table_stats("reports", len(rows))


with DAG(
    "daily_report",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
    max_active_runs=1,
):
    PythonOperator(task_id="build_report", python_callable=build_report)
