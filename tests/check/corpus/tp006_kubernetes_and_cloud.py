# expect: TP006@16
"""dbt in a pod (cmds/arguments) runs concurrently; dbt Cloud queues runs of a job itself."""

import pendulum
from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.dbt.cloud.operators.dbt import DbtCloudRunJobOperator

with DAG(
    "tp006_kubernetes_and_cloud",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=2,
):
    KubernetesPodOperator(  # <- TP006
        task_id="dbt_in_pod",
        name="dbt",
        image="ghcr.io/acme/dbt:1.8",
        cmds=["dbt"],
        arguments=["build", "--target", "prod"],
    )
    DbtCloudRunJobOperator(task_id="dbt_cloud", job_id=42, check_interval=60)
