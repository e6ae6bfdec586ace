# expect: TP009@32
"""dbt in one task with its tests, a Cosmos group of models only, and a test-only task."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig

with DAG(
    "dbt_runs",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2},
):
    build = BashOperator(
        task_id="run_and_test",
        bash_command="dbt run --project-dir /opt/airflow/dbt && dbt test --project-dir /opt/airflow/dbt",
    )
    models = DbtTaskGroup(
        group_id="models",
        project_config=ProjectConfig(dbt_project_path="/opt/airflow/dbt"),
        profile_config=ProfileConfig(
            profile_name="warehouse",
            target_name="dev",
            profiles_yml_filepath="/opt/airflow/dbt/profiles.yml",
        ),
        render_config=RenderConfig(select=["resource_type:model"]),
    )
    tests = BashOperator(
        task_id="test_only",
        bash_command="dbt test --project-dir /opt/airflow/dbt",
    )
    build >> models >> tests
