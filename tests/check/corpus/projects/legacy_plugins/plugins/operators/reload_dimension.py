# expect: none
from airflow.models import BaseOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


class ReloadDimensionOperator(BaseOperator):
    """Loads a dimension table, emptying it first when ``wipe_first`` is on."""

    def __init__(self, table="", select_sql="", wipe_first=True, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.select_sql = select_sql
        self.wipe_first = wipe_first

    def execute(self, context):
        hook = PostgresHook("warehouse")
        if self.wipe_first:
            hook.run(f"DELETE FROM {self.table}")
        hook.run(f"INSERT INTO {self.table} ({self.select_sql})")
