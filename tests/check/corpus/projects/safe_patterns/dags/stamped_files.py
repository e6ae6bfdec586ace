# expect: TP001@25
"""Files named by the moment they are made, handed on by XCom; and one named by the day."""

import shutil
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator


def archive_source():
    stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    shutil.copy2("/opt/airflow/data/source.csv", f"/opt/airflow/data/archive/source_{stamp}.csv")


def extract(ti):
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    raw = f"/opt/airflow/data/raw_{stamp}.parquet"
    with open(raw, "wb") as out:
        out.write(b"")
    ti.xcom_push(key="raw_path", value=raw)


def extract_day(ti):
    day = datetime.now().strftime("%Y%m%d")
    raw = f"/opt/airflow/data/raw_{day}.parquet"
    with open(raw, "wb") as out:
        out.write(b"")
    ti.xcom_push(key="raw_path", value=raw)


with DAG("stamped_files", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="archive", python_callable=archive_source)
    PythonOperator(task_id="extract", python_callable=extract)
    PythonOperator(task_id="extract_day", python_callable=extract_day)
