# expect: TP011@17
"""wget exits non-zero on a 404, so the retries repeat a permanent failure."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "tp009_bash_wget",
    start_date=datetime(2024, 1, 1),
    schedule_interval="@monthly",
    catchup=False,
) as dag:
    BashOperator(
        task_id="download",
        bash_command="wget -q https://example.org/trips_{{ ds }}.csv -O trips.csv",  # <- TP011
        retries=2,
    )
    BashOperator(
        task_id="download_checked",
        bash_command=(
            "code=$(curl -s -o trips.csv -w '%{http_code}' https://example.org/{{ ds }}.csv); "
            "if [ \"$code\" = 404 ]; then exit 99; fi"
        ),
        retries=2,
    )
