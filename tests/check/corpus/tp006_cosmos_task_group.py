# expect: TP006@14
"""A Cosmos task group with three concurrent runs allowed and no pool for its dbt tasks."""

from datetime import datetime

from airflow.decorators import dag
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig

PROFILE = ProfileConfig(profile_name="dw", target_name="prod", profiles_yml_filepath="profiles.yml")


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, max_active_runs=3)
def tp006_cosmos_task_group():
    DbtTaskGroup(  # <- TP006
        group_id="transform",
        project_config=ProjectConfig("dbt"),
        profile_config=PROFILE,
        operator_args={"install_deps": True},
    )


tp006_cosmos_task_group()
