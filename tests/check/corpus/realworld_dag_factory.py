# expect: TP002@13
"""DAGs generated in a loop, one per taxi service, registered through globals()."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

SERVICES = ["yellow", "green", "fhv"]

for service in SERVICES:
    dag_id = f"ingest_{service}"
    with DAG(dag_id, start_date=datetime(2022, 1, 1), schedule_interval="@monthly") as dag:  # <- TP002
        BashOperator(
            task_id="ingest",
            bash_command=f"python -m ingest --service {service} --month {{{{ ds[:7] }}}}",
        )
    globals()[dag_id] = dag
