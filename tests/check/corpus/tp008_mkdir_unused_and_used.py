# expect: TP008@17
"""A directory only created is not where data goes; one created and then written to is."""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("unused_dirs", schedule="@daily", start_date=pendulum.datetime(2026, 1, 1), catchup=False):
    # the clone goes to the image's own home; the directory in ~ is never used
    BashOperator(
        task_id="clone",
        bash_command="mkdir -p ~/scratch && git clone https://example.org/x /opt/airflow/x",
    )
    # the download lands in a worker's /tmp, which the next task may not see
    BashOperator(
        task_id="download",
        bash_command="mkdir -p /tmp/trips && curl -sSf https://example.org/t.csv"
        " > /tmp/trips/t.csv",
    )
