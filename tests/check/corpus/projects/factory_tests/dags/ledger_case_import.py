# expect: TP007@5
from datetime import datetime

from airflow.decorators import dag, task
from ledger_utils import summarise


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def ledger_case_import():
    @task
    def count():
        return summarise([1, 2])

    count()


ledger_case_import()
