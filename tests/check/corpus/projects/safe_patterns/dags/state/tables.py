# expect: none
"""Table chores shared by the loaders."""

from sqlalchemy import create_engine, text

ENGINE = create_engine("postgresql+psycopg2://warehouse")


def truncate_table(table_name: str) -> None:
    with ENGINE.begin() as conn:
        conn.execute(text(f"TRUNCATE TABLE {table_name}"))
