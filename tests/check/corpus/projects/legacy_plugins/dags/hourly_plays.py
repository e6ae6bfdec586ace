# expect: TP003@15, TP003@21, TP003@43
"""Airflow 1 style: plugin operators imported from airflow.operators, SQL from a package."""

from datetime import datetime

from airflow import DAG
from airflow.operators import AppendRowsOperator, ReloadDimensionOperator
from airflow.operators.postgres_operator import PostgresOperator
from queries import Statements

dag = DAG(
    "hourly_plays", schedule_interval="@hourly", start_date=datetime(2026, 1, 1), catchup=False
)

load_plays = AppendRowsOperator(  # <- TP003: its execute INSERTs, nothing removed first
    task_id="load_plays",
    table="plays",
    select_sql=Statements.select_plays,
    dag=dag,
)
load_users = ReloadDimensionOperator(  # <- TP003: the wipe is switched off
    task_id="load_users",
    table="users",
    select_sql=Statements.select_users,
    wipe_first=False,
    dag=dag,
)
reload_users = ReloadDimensionOperator(  # the DELETE runs first: a full refresh
    task_id="reload_users",
    table="users_copy",
    select_sql=Statements.select_users,
    wipe_first=True,
    dag=dag,
)
reload_default = ReloadDimensionOperator(  # wipe_first defaults to on
    task_id="reload_default",
    table="users_default",
    select_sql=Statements.select_users,
    dag=dag,
)
load_venues = PostgresOperator(
    task_id="load_venues",
    sql=Statements.insert_venues,  # <- TP003: the INSERT kept in queries/statements.py
    dag=dag,
)
load_plays >> [load_users, reload_users, reload_default, load_venues]
