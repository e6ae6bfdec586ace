# expect: none
"""Run a statement with its parameters; what the statement is, its caller decides."""

from airflow.providers.postgres.hooks.postgres import PostgresHook


def execute_non_query(query: str, params: tuple | None = None) -> None:
    with PostgresHook("warehouse").get_conn() as conn:
        conn.cursor().execute(query, params)


def log_table_stats(table: str, rows: int) -> None:
    execute_non_query(
        "INSERT INTO monitoring.table_stats (table_name, row_count) VALUES (%s, %s)", (table, rows)
    )
