# expect: TP009@27
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator


def run_over_ssh(cmd):
    import subprocess

    subprocess.run(["ssh", "dbt-host", cmd], check=True)


with DAG(
    "remote_dbt",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2},
):
    build = PythonOperator(
        task_id="build",
        python_callable=run_over_ssh,
        op_kwargs={"cmd": "cd /dbt && dbt run && dbt test"},
    )
    verify = PythonOperator(
        task_id="verify", python_callable=run_over_ssh, op_kwargs={"cmd": "cd /dbt && dbt test"}
    )
    build >> verify
