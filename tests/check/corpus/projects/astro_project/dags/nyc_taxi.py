# expect: TP003@29, TP005@13, TP007@11, TP007@12, TP007@13
"""SQL found through a relative template_searchpath; a Variable's literal fallback secret."""

from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

# read at every parse; trips_staging is emptied by a task of its own, while trips only grows
BUCKET = Variable.get("BUCKET", "nyc-tlc")
ACCESS_KEY_ID = Variable.get("ACCESS_KEY_ID", "access-key")
SECRET_ACCESS_KEY = Variable.get("SECRET_ACCESS_KEY", "secret-key")

with DAG(
    "nyc_taxi",
    start_date=datetime(2024, 1, 1),
    schedule="@monthly",
    catchup=False,
    max_active_runs=1,
    template_searchpath=["include/sql"],
) as dag:
    copy_staging = SQLExecuteQueryOperator(
        task_id="copy_staging",
        conn_id="warehouse",
        sql="DELETE FROM taxi.trips_staging;",
    )
    copy_final = SQLExecuteQueryOperator(
        task_id="copy_final", conn_id="warehouse", sql="copy_trips.sql"
    )
    copy_staging >> copy_final
