# expect: none
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from dateutil.relativedelta import relativedelta

with DAG(
    dag_id="single_month_window",
    start_date=datetime(2019, 1, 1),
    end_date=datetime(2019, 1, 1) + relativedelta(days=+10),
    schedule="0 6 2 * *",
    catchup=True,
    max_active_runs=1,
) as dag:
    BashOperator(task_id="fetch", bash_command="echo {{ ds }}")
