# expect: TP003@16
from airflow.models import BaseOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


class AppendTripsOperator(BaseOperator):
    """Copies the staged month into the trips table."""

    def __init__(self, table: str, select_sql: str, **kwargs):
        super().__init__(**kwargs)
        self.table = table
        self.select_sql = select_sql

    def execute(self, context):
        hook = PostgresHook(postgres_conn_id="warehouse")
        hook.run(f"INSERT INTO {self.table} {self.select_sql}")
