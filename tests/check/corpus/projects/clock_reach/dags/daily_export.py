# expect: TP001@17, TP001@22
"""A settings module's clock value names the folder and is handed to the task."""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator
from jobs.exporter import export_rows
from settings import export_root, keep_days, report_day

with DAG(
    "daily_export",
    start_date=pendulum.datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
):
    make_dir = BashOperator(task_id="make_dir", bash_command=f"mkdir -p {export_root}/{report_day}")
    export = PythonOperator(
        task_id="export",
        python_callable=export_rows,
        op_kwargs={
            "day": report_day,
            "keep": keep_days,
        },
    )
    make_dir >> export
