# expect: TP003@35, TP003@44, TP005@17, TP005@21, TP005@35, TP005@44, TP008@21
"""Tasks that run project scripts: Spark applications, spark-submit, subprocess, a deferred import."""

import subprocess
import sys
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

sys.path.insert(0, "/opt/airflow/scripts")


def export_rates() -> None:
    subprocess.run(["python3", "/srv/etl/export_rates.py"], check=True)


def seed_catalog() -> None:
    from seed_catalog import seed

    seed()


with DAG(
    "club_spark",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
):
    SparkSubmitOperator(
        task_id="load_members",
        application="/opt/airflow/spark_jobs/load_members.py",
        application_args=["/opt/airflow/data/members.csv"],
    )
    SparkSubmitOperator(
        task_id="rebuild_levels",
        application="/opt/airflow/spark_jobs/rebuild_levels.py",
    )
    BashOperator(
        task_id="daily_visits",
        bash_command="spark-submit --master local[2] --py-files jobs/shared.py jobs/daily_visits.py {{ ds }}",
    )
    PythonOperator(task_id="export_rates", python_callable=export_rates)
    PythonOperator(task_id="seed_catalog", python_callable=seed_catalog)
