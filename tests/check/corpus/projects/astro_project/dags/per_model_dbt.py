# expect: TP006@19
"""One dbt task per model, the verb chosen by a branch: the run branch builds models."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

dag = DAG(
    "per_model_dbt",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@daily",
    catchup=False,
)


def dbt_task(model: str, verb: str) -> BashOperator:
    if verb == "run":
        return BashOperator(
            task_id=f"run_{model}",
            bash_command=f"cd /usr/local/airflow/dbt && dbt {verb} --select {model}",
            dag=dag,
        )
    return BashOperator(
        task_id=f"test_{model}",
        bash_command=f"cd /usr/local/airflow/dbt && dbt {verb} --select {model}",
        dag=dag,
    )


for name in ("stg_trips", "fct_trips"):
    dbt_task(name, "run") >> dbt_task(name, "test")
