# expect: none
"""No catchup trap: Airflow 3 default, manual schedule, asset trigger, explicit False."""

from datetime import datetime

from airflow.sdk import DAG, Asset, dag, task

trips = Asset("s3://lake/trips")

with DAG("tp002_clean_unset_v3", schedule="@monthly", start_date=datetime(2019, 1, 1)):

    @task
    def monthly():
        return 1

    monthly()

with DAG("tp002_clean_manual", schedule=None, start_date=datetime(2019, 1, 1), catchup=True):

    @task
    def manual():
        return 1

    manual()


@dag(schedule=[trips], start_date=datetime(2019, 1, 1), catchup=True)
def tp002_clean_asset():
    @task
    def on_asset():
        return 1

    on_asset()


@dag(schedule="0 0 1 * *", start_date=datetime(2019, 1, 1), catchup=False)
def tp002_clean_explicit_false():
    @task
    def off():
        return 1

    off()


tp002_clean_asset()
tp002_clean_explicit_false()
