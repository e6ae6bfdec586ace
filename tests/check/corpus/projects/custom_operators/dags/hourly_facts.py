# expect: TP003@23, TP007@16, TP007@17
"""Custom operators and a settings helper from plugins/: what they do counts for this DAG."""

import pendulum
from airflow.decorators import dag
from warehouse import AppendTripsOperator, MonthlyReplaceOperator, Settings
from warehouse.settings import lookup


@dag(schedule="@monthly", start_date=pendulum.datetime(2026, 1, 1), catchup=False)
def hourly_facts():
    settings = Settings("taxi")
    # a template is rendered when the task runs: no Variable is read while parsing
    later = settings.template("trips")
    # these two read Variables on every parse of the file
    trips = settings.table("trips")  # <- TP007
    lookup.bucket()  # <- TP007
    MonthlyReplaceOperator(
        task_id="replace_month",
        table=later,
        month="{{ data_interval_start.strftime('%Y-%m') }}",
    )
    AppendTripsOperator(  # <- TP003: INSERT with nothing removed first
        task_id="append_facts",
        table=trips,
        select_sql="SELECT * FROM staged_trips",
    )


hourly_facts()
