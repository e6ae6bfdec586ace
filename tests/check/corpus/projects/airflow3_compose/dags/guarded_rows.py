# expect: none
"""Rows refused by the primary key, or looked up before they are inserted: reruns add nothing."""

import pendulum
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from sqlalchemy.exc import IntegrityError


def load_plays(frame, engine) -> None:
    for index in range(len(frame)):
        try:
            frame.iloc[index : index + 1].to_sql("plays", engine, if_exists="append")
        except IntegrityError:
            pass  # played_at already there


def load_customers(records) -> None:
    hook = PostgresHook("warehouse")
    for record in records:
        found = hook.get_first(
            "SELECT COUNT(*) FROM customers WHERE customer_id = %s", (record[0],)
        )
        if found[0] == 0:
            hook.run("INSERT INTO customers VALUES (%s, %s)", parameters=record)


with DAG(
    "guarded_rows", start_date=pendulum.datetime(2024, 1, 1), schedule="@daily", max_active_runs=1
):
    PythonOperator(task_id="plays", python_callable=load_plays)
    PythonOperator(task_id="customers", python_callable=load_customers)
