# expect: TP003@15
from airflow.models import BaseOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


class AppendRowsOperator(BaseOperator):
    """Adds what a query selects to a table."""

    def __init__(self, table="", select_sql="", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.select_sql = select_sql

    def execute(self, context):
        PostgresHook("warehouse").run(f"INSERT INTO {self.table} ({self.select_sql})")
