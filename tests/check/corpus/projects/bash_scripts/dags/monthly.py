# expect: TP003@18, TP005@18, TP008@18
"""The DAG runs its loader as a script; the script's secret and host path are the DAG's."""

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "bash_scripts",
    start_date=pendulum.datetime(2024, 1, 1),
    schedule="@monthly",
    catchup=False,
    max_active_runs=1,
):
    BashOperator(
        task_id="load",
        # the image mounts the project at /opt/airflow, so this is scripts/load_month.py here
        bash_command="python /opt/airflow/scripts/load_month.py {{ data_interval_start | ds }}",
    )
    BashOperator(task_id="clean", bash_command="python3 scripts/clean_script.py")
    BashOperator(task_id="absent", bash_command="python scripts/not_in_this_repo.py")
