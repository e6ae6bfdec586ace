# expect: none
from datetime import datetime

from airflow import DAG
from airflow.operators import StageOrdersOperator

dag = DAG("stage_orders_clean", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)

StageOrdersOperator(
    task_id="stage_orders",
    dag=dag,
    bucket="orders-landing",
    label=f"built {datetime.utcnow():%H:%M}",
    note=datetime.utcnow(),
)
