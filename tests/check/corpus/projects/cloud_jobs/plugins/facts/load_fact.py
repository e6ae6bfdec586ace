# expect: none
from airflow.models import BaseOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


class FactLoadOperator(BaseOperator):
    """Inserts the staged rows into a fact table; empties it first unless appending."""

    def __init__(self, table: str, select_sql: str, append_mode: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.table = table
        self.select_sql = select_sql
        self.append_mode = append_mode

    def execute(self, context):
        hook = PostgresHook(postgres_conn_id="warehouse")
        if not self.append_mode:
            hook.run(f"TRUNCATE TABLE {self.table}")
        hook.run(f"INSERT INTO {self.table} {self.select_sql}")
