# expect: TP009@25
"""dbt runs in pods; the test pod's argv is split over cmds and arguments."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

default_args = {"retries": 2, "retry_delay": timedelta(minutes=5)}

with DAG(
    "dbt_pods",
    start_date=datetime(2024, 5, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
):
    build = KubernetesPodOperator(
        task_id="dbt_build_models",
        image="example/dbt:1",
        cmds=["dbt", "run"],
        arguments=["--project-dir", "/project"],
    )
    check = KubernetesPodOperator(
        task_id="dbt_check",
        image="example/dbt:1",
        cmds=["dbt"],
        arguments=["test", "--project-dir", "/project"],
    )
    build >> check
