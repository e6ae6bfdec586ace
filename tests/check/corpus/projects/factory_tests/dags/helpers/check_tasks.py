# expect: none
"""Operator factories: one task per dbt test, and one that builds and then tests."""

from airflow.operators.bash import BashOperator


def _command(kind, name):
    if kind == "test":
        return f"cd /opt/airflow/dbt && dbt test --select {name}"
    return f"cd /opt/airflow/dbt && dbt run --select {name}"


def one_task_per_test(dag, names):
    return {name: BashOperator(task_id=name, bash_command=_command("test", name), dag=dag) for name in names}


def build_and_test(dag):
    return BashOperator(
        task_id="build_then_test",
        bash_command="cd /opt/airflow/dbt && dbt run && dbt test",
        dag=dag,
    )
