# expect: none
"""A factory: the DAG's start date comes from whoever calls it, so nothing is known here."""

from airflow import DAG
from airflow.operators.bash import BashOperator


def ingest_dag(dag_id, colour, default_args):
    dag = DAG(
        dag_id=dag_id,
        schedule_interval="@monthly",
        catchup=True,
        default_args=default_args,
        max_active_runs=1,
    )
    with dag:
        BashOperator(
            task_id="download",
            bash_command=f"curl -sSLf https://example.com/{colour}_{{{{ ds }}}}.csv -o data.csv",
        )
    return dag
