# expect: TP008@7
from airflow.hooks.postgres_hook import PostgresHook
from airflow.models import BaseOperator


class BuildTablesOperator(BaseOperator):
    ddl_file = "/home/learner/airflow/build_tables.sql"

    def __init__(self, conn_id="", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conn_id = conn_id

    def execute(self, context):
        with open(BuildTablesOperator.ddl_file) as handle:
            PostgresHook(postgres_conn_id=self.conn_id).run(handle.read())
