# expect: TP001@8
from datetime import datetime

from airflow import DAG
from airflow.operators import StageOrdersOperator

dag = DAG("stage_orders", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
parsed_at = datetime.utcnow()

StageOrdersOperator(
    task_id="stage_orders",
    dag=dag,
    bucket="orders-landing",
    run_day=parsed_at,
)
