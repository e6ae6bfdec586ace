# expect: TP003@13
"""The load lives in an imported @task_group, whose callable appends through bq_load."""

from datetime import datetime

from airflow import DAG
from groups import load_week

with DAG(
    "weekly_rides", start_date=datetime(2024, 1, 1), schedule="@weekly", catchup=False
):
    # TP003: load_week's task appends the week with WRITE_APPEND and deletes nothing first
    load_week()
