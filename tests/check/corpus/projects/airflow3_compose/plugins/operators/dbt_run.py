# expect: none
"""A project's own dbt operator: the command lives here, not in the DAG."""

from airflow.models import BaseOperator
from airflow.providers.standard.hooks.subprocess import SubprocessHook


class DbtRunOperator(BaseOperator):
    def __init__(self, model: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model

    def execute(self, context):
        SubprocessHook().run_command(["bash", "-c", f"dbt run -m {self.model}"])
