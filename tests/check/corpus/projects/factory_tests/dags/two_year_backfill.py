# expect: TP002@13
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from dateutil.relativedelta import relativedelta

with DAG(
    dag_id="two_year_backfill",
    start_date=datetime(2019, 1, 1),
    end_date=datetime(2019, 1, 1) + relativedelta(months=+24),
    schedule="0 6 2 * *",
    catchup=True,
    max_active_runs=1,
) as dag:
    BashOperator(task_id="fetch", bash_command="echo {{ ds }}")
