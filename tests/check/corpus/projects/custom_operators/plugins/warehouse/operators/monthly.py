# expect: none
from airflow.models import BaseOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


class MonthlyReplaceOperator(BaseOperator):
    """Replaces the run's month: delete it, then insert it again, in one transaction."""

    template_fields = ("month",)

    def __init__(self, table: str, month: str, **kwargs):
        super().__init__(**kwargs)
        self.table = table
        self.month = month

    def execute(self, context):
        hook = PostgresHook(postgres_conn_id="warehouse")
        hook.run(
            [
                f"DELETE FROM {self.table} WHERE source_month = %(month)s",
                f"INSERT INTO {self.table} SELECT * FROM staged_trips WHERE month = %(month)s",
            ],
            parameters={"month": self.month},
        )
