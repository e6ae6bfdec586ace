"""The data path (download, load, dbt): imports nothing of Airflow, the local stack or the CLI."""
