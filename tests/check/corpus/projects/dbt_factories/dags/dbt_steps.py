# expect: none
"""Operator factories the DAG files import with a star import."""

from airflow.operators.bash import BashOperator

PROJECT_DIR = "/opt/airflow/analytics"


def dbt_step(subcommand, selector):
    return BashOperator(
        task_id=f"dbt_{subcommand}_{selector}",
        bash_command=f"cd {PROJECT_DIR} && dbt {subcommand} --selector {selector}",
    )


def dbt_step_in_pool(subcommand, selector):
    return BashOperator(
        task_id=f"dbt_{subcommand}_{selector}",
        bash_command=f"cd {PROJECT_DIR} && dbt {subcommand} --selector {selector}",
        pool="dbt_single",
    )


def list_files(folder):
    return BashOperator(task_id="list_files", bash_command=f"ls {folder}")
