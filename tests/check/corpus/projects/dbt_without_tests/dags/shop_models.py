# expect: none
"""A Cosmos group over a dbt project that defines no tests: it renders no test tasks."""

from datetime import datetime

from airflow import DAG
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig

with DAG(
    "shop_models",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1},
):
    DbtTaskGroup(
        group_id="models",
        project_config=ProjectConfig(dbt_project_path="/opt/airflow/dbt"),
        profile_config=ProfileConfig(
            profile_name="shop",
            target_name="dev",
            profiles_yml_filepath="/opt/airflow/dbt/profiles.yml",
        ),
    )
