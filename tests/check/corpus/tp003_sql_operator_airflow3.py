# expect: TP003@16
"""A SQL operator that appends the day's aggregate with plain INSERT ... SELECT."""

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import DAG

with DAG(
    "tp003_sql_operator_airflow3",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1),
):
    SQLExecuteQueryOperator(
        task_id="aggregate",
        conn_id="warehouse",
        sql="""  -- <- TP003
        INSERT INTO marts.daily_trips (day, trips)
        SELECT pickup_date, count(*) FROM raw.trips
        WHERE pickup_date = '{{ ds }}' GROUP BY 1
        """,
    )
    SQLExecuteQueryOperator(
        task_id="aggregate_idempotent",
        conn_id="warehouse",
        sql=[
            "DELETE FROM marts.daily_totals WHERE day = '{{ ds }}'",
            "INSERT INTO marts.daily_totals SELECT pickup_date, sum(fare) FROM raw.trips "
            "WHERE pickup_date = '{{ ds }}' GROUP BY 1",
        ],
    )
