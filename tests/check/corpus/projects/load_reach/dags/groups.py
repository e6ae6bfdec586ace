# expect: TP003@13
"""Task groups a DAG imports: the load task calls a helper in another module."""

from airflow.decorators import task_group
from airflow.operators.python import PythonOperator

from bq_load import append_week


@task_group
def load_week():
    def _load(**context):
        append_week(week=context["ds"])

    PythonOperator(task_id="append_week", python_callable=_load)
