# expect: TP005@7
import os
from datetime import datetime

from airflow.decorators import dag, task

SALES_DSN = "dbname='sales' user='etl' host='warehouse' password='Tr0ub4dor'"
REPORT_DSN = "dbname='sales' user='etl' host='warehouse' password='{}'".format(
    os.environ.get("REPORT_PASSWORD", "")
)


@dag(start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False)
def libpq_dsn():
    @task
    def ping():
        import psycopg2

        with psycopg2.connect(SALES_DSN) as conn, psycopg2.connect(REPORT_DSN) as other:
            return conn.closed + other.closed

    ping()


libpq_dsn()
