# expect: TP005@9, TP005@10, TP005@20, TP005@23
"""Tokens recognisable by their format, whatever they are called."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

AWS = ("AKIAIOSFODNN7EXAMPLE", "region")  # <- TP005
ALERTS = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"  # <- TP005

with DAG(
    "tp005_token_formats",
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
) as dag:
    BashOperator(
        task_id="notify",
        bash_command=(
            "curl -s -H 'Authorization: Bearer ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789' "  # <- TP005
            "https://api.github.com/repos/acme/dw/dispatches"
        ),
        env={"PGPASSWORD": "postgres123"},  # <- TP005
    )
