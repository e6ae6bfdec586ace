# expect: TP007@11, TP007@12
"""An S3 listing while parsing; lambdas, callables and __main__ blocks run later or never."""

from datetime import datetime

import boto3
from airflow import DAG
from airflow.models import Variable
from airflow.operators.python import PythonOperator

s3 = boto3.client("s3")  # <- TP007
KEYS = [o["Key"] for o in s3.list_objects_v2(Bucket="lake")["Contents"]]  # <- TP007


def copy(key, **_):
    return boto3.client("s3").copy_object(Bucket="lake", Key=key, CopySource=key)


with DAG(
    "tp007_cloud_clients_and_lambdas",
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
) as dag:
    for key in KEYS:
        PythonOperator(task_id=f"copy_{key}", python_callable=copy, op_args=[key])
    PythonOperator(task_id="late", python_callable=lambda: Variable.get("bucket"))

if __name__ == "__main__":
    print(Variable.get("bucket"))
