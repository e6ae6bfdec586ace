# expect: TP009@14, TP008@16
"""Findings acknowledged with noqa stay quiet; other codes on the same line still report."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "tp_noqa_suppressed",
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
) as dag:
    BashOperator(task_id="a", bash_command="ls /tmp/inbox", retries=5)  # noqa: TP008  <- TP009
    BashOperator(task_id="b", bash_command="ls /tmp/outbox", retries=8)  # noqa
    BashOperator(task_id="c", bash_command="ls /tmp/done")  # noqa: E501  <- TP008
