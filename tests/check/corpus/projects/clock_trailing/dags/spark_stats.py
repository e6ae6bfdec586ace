# expect: TP001@14
"""Spark applications under a folder the environment names, found by their file name."""

import os
from datetime import datetime

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JOBS = os.environ["SPARK_JOBS_DIR"]

with DAG("spark_stats", start_date=datetime(2024, 1, 1), schedule="@monthly", catchup=False):
    SparkSubmitOperator(
        task_id="stats", application=os.path.join(JOBS, "monthly_stats.py"), conn_id="spark"
    )
    SparkSubmitOperator(
        task_id="compact",
        application=os.path.join(JOBS, "compact.py"),
        application_args=["{{ ds }}"],
        conn_id="spark",
    )
