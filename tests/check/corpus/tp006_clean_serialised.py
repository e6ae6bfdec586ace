# expect: none
"""dbt made safe three ways: a one-slot pool, max_active_runs=1, dbtRunner in a pool."""

import pendulum
from airflow.sdk import DAG, dag, task
from airflow.providers.standard.operators.bash import BashOperator

with DAG("tp006_clean_pool", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1)):
    BashOperator(task_id="dbt_build", bash_command="dbt build", pool="dbt")
    BashOperator(task_id="dbt_test", bash_command="dbt test", pool="dbt")

with DAG(
    "tp006_clean_single_run",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1),
    max_active_runs=1,
):
    BashOperator(task_id="dbt_build", bash_command="dbt build")


@dag(schedule="@daily", start_date=pendulum.datetime(2024, 1, 1), default_args={"pool": "dbt"})
def tp006_clean_runner():
    @task
    def build():
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(["build", "--target", "prod"])
        if not result.success:
            raise RuntimeError("dbt build failed")

    @task
    def describe():
        return "Runs dbt run every day"

    build()
    describe()


tp006_clean_runner()
