# expect: none
"""A DAG factory whose generated DAGs never flood: one-off, recent, or catchup switched off."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

CONFIGS = [
    {"dag_id": "zones", "schedule": "@once", "start": datetime(2020, 1, 1), "catchup": True},
    {"dag_id": "fhv", "schedule": "@monthly", "start": datetime(2020, 1, 1), "catchup": False},
    {
        "dag_id": "green",
        "schedule": "@monthly",
        "start": datetime.now() - timedelta(days=20),
        "catchup": True,
    },
]


def make_dag(dag_id, config):
    with DAG(
        dag_id,
        schedule_interval=config["schedule"],
        start_date=config["start"],
        catchup=config.get("catchup", False),
        max_active_runs=1,
    ) as dag:
        BashOperator(task_id="ingest", bash_command="python -m ingest --month {{ ds[:7] }}")
    return dag


for config in CONFIGS:
    globals()[config["dag_id"]] = make_dag(config["dag_id"], config)
