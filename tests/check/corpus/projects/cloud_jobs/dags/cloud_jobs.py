# expect: TP003@32, TP003@44, TP003@48, TP003@51, TP003@55, TP003@62
"""Scripts run by cloud job operators, spark-submit and dlt, and a fact operator's flag."""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.providers.google.cloud.operators.dataproc import (
    DataprocSubmitJobOperator,
    DataprocSubmitPySparkJobOperator,
)
from facts import FactLoadOperator

BUCKET = "code-bucket"
EVENTS_JOB = {
    "placement": {"cluster_name": "etl"},
    "pyspark_job": {"main_python_file_uri": f"gs://{BUCKET}/append_events.py"},
}
ORDER_STEPS = [
    {
        "Name": "orders",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["spark-submit", "--deploy-mode", "cluster", "s3://code/append_orders.py"],
        },
    }
]


def build_trip_query(colour):
    return f"""
        DROP TABLE IF EXISTS lake.temp_{colour};
        INSERT INTO lake.{colour}_trips SELECT * FROM lake.temp_{colour};
    """


with DAG(
    dag_id="cloud_jobs",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1),
    catchup=False,
):
    DataprocSubmitJobOperator(task_id="events", job=EVENTS_JOB, region="eu")  # <- TP003
    DataprocSubmitPySparkJobOperator(
        task_id="devices", main=f"gs://{BUCKET}/rebuild_devices.py", cluster_name="etl"
    )
    EmrAddStepsOperator(task_id="orders", job_flow_id="j-1", steps=ORDER_STEPS)  # <- TP003
    BashOperator(
        task_id="clicks",
        bash_command="spark-submit --master local $JOBS_DIR/append_clicks.py",  # <- TP003
    )
    BashOperator(
        task_id="readings",
        bash_command="cd /srv/pipeline/ingest && python load_readings.py",  # <- TP003
    )
    BashOperator(
        task_id="stations",
        bash_command="cd /srv/pipeline/ingest && python merge_stations.py",
    )
    PythonOperator(task_id="trips", python_callable=build_trip_query, op_args=["green"])
    FactLoadOperator(task_id="facts", table="sales", select_sql="SELECT * FROM staged")  # <- TP003
    FactLoadOperator(
        task_id="facts_rebuilt", table="sales", select_sql="SELECT 1", append_mode=False
    )
