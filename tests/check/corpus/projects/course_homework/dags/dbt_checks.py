# expect: TP006@18
"""dbt test builds no relation, so two runs of it cannot collide; dbt run can. dbt lives in the
Airflow image user's home, which every worker of the image has."""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

DBT = "/home/airflow/.local/bin/dbt"

with DAG("dbt_checks", start_date=pendulum.datetime(2024, 1, 1), schedule="@daily", catchup=False):
    BashOperator(
        task_id="dbt_test",
        bash_command=f"cd /opt/airflow/dbt && {DBT} test --profiles-dir .",
    )

with DAG("dbt_models", start_date=pendulum.datetime(2024, 1, 1), schedule=None, catchup=False):
    BashOperator(
        task_id="dbt_run",
        bash_command=f"cd /opt/airflow/dbt && {DBT} run --profiles-dir .",
    )
