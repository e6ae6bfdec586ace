# expect: TP003@14
"""A GCS-to-BigQuery load with WRITE_APPEND: a rerun doubles the day in the table."""

import pendulum
from airflow import DAG
from airflow.providers.google.cloud.transfers.gcs_to_bigquery import GCSToBigQueryOperator

with DAG(
    dag_id="tp003_bigquery_append",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1),
    catchup=False,
) as dag:
    GCSToBigQueryOperator(  # <- TP003
        task_id="load_day",
        bucket="lake",
        source_objects=["trips/{{ ds }}/*.parquet"],
        destination_project_dataset_table="analytics.trips",
        source_format="PARQUET",
        write_disposition="WRITE_APPEND",
    )
    GCSToBigQueryOperator(
        task_id="load_day_partition",
        bucket="lake",
        source_objects=["trips/{{ ds }}/*.parquet"],
        destination_project_dataset_table="analytics.trips_by_day${{ ds_nodash }}",
        source_format="PARQUET",
        write_disposition="WRITE_TRUNCATE",
    )
