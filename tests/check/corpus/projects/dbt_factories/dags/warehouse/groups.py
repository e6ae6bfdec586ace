# expect: none
"""A task group factory whose helpers build the dbt operators, two calls deep."""

from airflow.decorators import task_group
from airflow.operators.bash import BashOperator


def _dbt_operator(command, kind):
    return BashOperator(task_id=f"dbt_{kind}", bash_command=f"cd /opt/airflow/dbt && {command}")


def models_task():
    return _dbt_operator("dbt deps && dbt run --target prod", "models")


def checks_task():
    return _dbt_operator("dbt test --target prod", "checks")


def transform_group(name):
    @task_group(group_id=name)
    def group():
        models_task() >> checks_task()

    return group()


def checks_group(name):
    @task_group(group_id=name)
    def group():
        checks_task()

    return group()
