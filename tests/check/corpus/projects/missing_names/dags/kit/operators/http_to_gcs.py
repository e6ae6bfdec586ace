# expect: none
"""A project operator in a submodule; the package's __init__.py re-exports nothing."""

from airflow.models import BaseOperator


class HttpToGcs(BaseOperator):
    def __init__(self, endpoint, **kwargs):
        super().__init__(**kwargs)
        self.endpoint = endpoint

    def execute(self, context):
        return self.endpoint
