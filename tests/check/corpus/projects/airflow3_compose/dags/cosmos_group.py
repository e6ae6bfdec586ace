# expect: TP009@16
"""The test tasks Cosmos makes after each model inherit the group's retries."""

import pendulum
from airflow.sdk import DAG
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig

with DAG(
    "cosmos_group",
    start_date=pendulum.datetime(2024, 1, 1),
    schedule="@daily",
    max_active_runs=1,
    default_args={"retries": 2},
):
    profile = ProfileConfig(profile_name="taxi", target_name="prod", profiles_yml_filepath="p.yml")
    DbtTaskGroup(
        group_id="transform",
        project_config=ProjectConfig("/usr/local/airflow/dbt"),
        profile_config=profile,
    )
