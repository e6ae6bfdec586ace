# expect: TP007@9
"""An object made at import whose constructor reads an S3 key through its hook."""

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator
from storage.archive import Snapshot

snapshot = Snapshot()

with DAG(
    "snapshot_orders",
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
):
    PythonOperator(task_id="show", python_callable=print, op_args=[snapshot.latest])
