# expect: TP003@17
"""Copies the S3 prefix into the table; what it keeps on the instance is no statement."""

from airflow.models import BaseOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook


class S3AppendOperator(BaseOperator):
    def __init__(self, table, prefix, conn_id="warehouse", **kwargs):
        super().__init__(**kwargs)
        self.table = table
        self.prefix = prefix
        self.conn_id = conn_id
        self.note = f"appends into {table}"

    def execute(self, context):
        statement = f"COPY {self.table} FROM 's3://landing/{self.prefix}/' FORMAT AS JSON 'auto'"
        PostgresHook(postgres_conn_id=self.conn_id).run(statement)
