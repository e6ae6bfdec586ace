# expect: none
"""Empties the warehouse table, then copies the S3 prefix into it."""

from airflow.models import BaseOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook
from psycopg2 import sql


class S3ToWarehouseOperator(BaseOperator):
    copy_template = """
        COPY {table} FROM {source}
        IAM_ROLE {role}
        FORMAT AS JSON 'auto';
    """

    def __init__(self, table, prefix, role, conn_id="warehouse", **kwargs):
        super().__init__(**kwargs)
        self.table = table
        self.prefix = prefix
        self.role = role
        self.conn_id = conn_id
        self.empty_table = sql.SQL("TRUNCATE {};").format(sql.Identifier(table))

    def execute(self, context):
        load = sql.SQL(S3ToWarehouseOperator.copy_template).format(
            table=sql.Identifier(self.table),
            source=sql.Literal(f"s3://landing/{self.prefix}/"),
            role=sql.Literal(self.role),
        )
        PostgresHook(postgres_conn_id=self.conn_id).run(sql=(self.empty_table, load))
