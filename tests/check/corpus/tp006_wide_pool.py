# expect: TP006@9
"""A pool is set, but airflow_settings.yaml gives it four slots."""

import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator

with DAG("tp006_wide_pool", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1)):
    BashOperator(  # <- TP006
        task_id="dbt_run",
        bash_command="dbt run --project-dir dbt",
        pool="dbt_wide",
    )
