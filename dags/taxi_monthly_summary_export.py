"""Example consumer of the pipeline's assets: each month's monthly summary as a CSV file.

Scheduled on the asset ``taxi_pipeline/mart_monthly_summary``: a run starts when a month of
``taxi_pipeline`` has been built and tested, and exports the month its asset event names. The work
is in ``taxi_pipeline.orchestration.exports``; one copy per namespace, like the pipeline's DAG.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from taxi_pipeline.core.names import SUMMARY_EXPORT_DAG_ID
from taxi_pipeline.orchestration import exports
from taxi_pipeline.orchestration.assets import MonthAssets
from taxi_pipeline.orchestration.namespaces import Namespace, configured_namespaces
from taxi_pipeline.orchestration.tasks import TransientOnlyRetryPolicy

DOC_MD = """
### Monthly summary export (an example of data-aware scheduling)

Runs whenever `{producer}` publishes the asset `{asset}` (a month built and tested), reads the
month from the asset event's extra (`service`, `month`, `load_id`, `schema`, `table`) and writes
that month of `mart_monthly_summary` to `exports/mart_monthly_summary_<YYYY-MM>.csv` in the work
dir. Several months landing together make one run that exports each. Asset names: README.md,
"Assets".
"""


def build_dag(namespace: Namespace):
    asset = MonthAssets(namespace).monthly_summary

    @dag(
        dag_id=namespace.prefixed(SUMMARY_EXPORT_DAG_ID),
        schedule=[asset],
        start_date=datetime(2009, 1, 1, tzinfo=UTC),
        catchup=False,
        max_active_runs=1,
        default_args={
            "retries": 2,
            "retry_delay": timedelta(minutes=5),
            "retry_policy": TransientOnlyRetryPolicy(),
        },
        tags=["taxi", "tlc", "assets", *namespace.tags],
        doc_md=DOC_MD.format(producer=namespace.dag_id, asset=asset.name),
    )
    def taxi_monthly_summary_export():
        @task(execution_timeout=timedelta(minutes=15))
        def export_monthly_summary(namespace: str):
            """Write each announced month of mart_monthly_summary to a CSV file."""
            return exports.export_monthly_summary(namespace=namespace)

        export_monthly_summary(namespace=namespace.name)

    return taxi_monthly_summary_export()


for _namespace in configured_namespaces():
    build_dag(_namespace)
