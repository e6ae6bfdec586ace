# expect: TP001@10
from datetime import date, datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator
from loaders.reports import fetch_reports, log_timing


def pull():
    fetch_reports(last_day=datetime.now().date() - timedelta(days=1))


def pull_run(ds):
    started = datetime.now()
    fetch_reports(last_day=date.fromisoformat(ds))
    log_timing("pull", start_time=started, end_time=datetime.now())


with DAG("reports", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="pull", python_callable=pull)
    PythonOperator(task_id="pull_run", python_callable=pull_run)
