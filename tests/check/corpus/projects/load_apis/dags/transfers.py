# expect: TP003@16, TP003@32
"""Transfer operators: the contrib GCS-to-BigQuery name and Snowflake's COPY INTO."""

import pendulum
from airflow import DAG
from airflow.contrib.operators.gcs_to_bq import GoogleCloudStorageToBigQueryOperator
from airflow.providers.snowflake.transfers.s3_to_snowflake import S3ToSnowflakeOperator

with DAG(
    "transfers",
    schedule="@monthly",
    start_date=pendulum.datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
):
    GoogleCloudStorageToBigQueryOperator(  # <- TP003: WRITE_APPEND into one table
        task_id="append_month",
        bucket="lake",
        source_objects=["trips/{{ ds }}/*.parquet"],
        destination_project_dataset_table="analytics.trips",
        source_format="PARQUET",
        write_disposition="WRITE_APPEND",
    )
    # COPY INTO skips the files the table has loaded already
    S3ToSnowflakeOperator(
        task_id="copy_products",
        s3_keys=["products/{{ ds }}.csv"],
        stage="landing_stage",
        table="products",
        file_format="(type='csv')",
    )
    S3ToSnowflakeOperator(  # <- TP003: FORCE loads the files again
        task_id="copy_prices",
        s3_keys=["prices/{{ ds }}.csv"],
        stage="landing_stage",
        table="prices",
        file_format="(type='csv')",
        copy_options="FORCE = TRUE",
    )
