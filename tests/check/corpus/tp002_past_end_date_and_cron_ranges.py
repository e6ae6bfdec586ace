# expect: TP002@17, TP002@28
"""Catchup with an end_date in the past schedules every logical date up to it, and a cron month
range that lists every month is a monthly schedule."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

# January and February 2019: two runs of history at once, both long over
with DAG(
    "two_months_of_2019",
    schedule_interval="@monthly",
    start_date=datetime(2019, 1, 1),
    end_date=datetime(2019, 2, 1),
    max_active_runs=1,
    catchup=True,  # <- TP002
):
    BashOperator(task_id="load", bash_command="python -m load --month {{ ds[:7] }}", pool="load")

# the second of every month, 1-12, for all of 2019
with DAG(
    "every_month_of_2019",
    schedule_interval="0 8 2 1-12 *",
    start_date=datetime(2019, 1, 1),
    end_date=datetime(2019, 12, 31),
    max_active_runs=1,
    catchup=True,  # <- TP002
):
    BashOperator(task_id="load", bash_command="python -m load --month {{ ds[:7] }}", pool="load")

# one logical date only: the same single run whether catchup is on or not
with DAG(
    "january_2019_only",
    schedule_interval="@monthly",
    start_date=datetime(2019, 1, 1),
    end_date=datetime(2019, 1, 15),
    max_active_runs=1,
    catchup=True,
):
    BashOperator(task_id="load", bash_command="python -m load --month {{ ds[:7] }}", pool="load")
