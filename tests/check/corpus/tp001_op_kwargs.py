# expect: TP001@23
"""The month handed to the callable through op_kwargs is read from the clock at parse time."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator


def load(month, **_):
    return month


with DAG(
    "tp001_op_kwargs",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@monthly",
    catchup=False,
) as dag:
    PythonOperator(
        task_id="load",
        python_callable=load,
        op_kwargs={"month": datetime.utcnow().strftime("%Y-%m")},  # <- TP001
    )
