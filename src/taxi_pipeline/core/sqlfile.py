"""Named SQL statements kept in ``taxi_pipeline/core/sql/*.sql``.

Each file holds blocks that start with ``-- name: <name>``. Placeholders in braces are identifiers
or literals composed with psycopg.sql (never spliced text); ``%s`` are bound parameters.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from psycopg import sql


@cache
def statements(filename: str) -> dict[str, str]:
    text = resources.files(__package__).joinpath("sql", filename).read_text()
    blocks = re.split(r"^-- name: (\w+)\n", text, flags=re.MULTILINE)
    return {name: body.strip() for name, body in zip(blocks[1::2], blocks[2::2], strict=True)}


def statement(filename: str, name: str, **parts: sql.Composable) -> sql.Composed:
    return sql.SQL(statements(filename)[name]).format(**parts)


def create_schema(schema: str) -> sql.Composed:
    """Creates ``schema`` unless it exists, also under a login without CREATE on the database."""
    return statement(
        "schemas.sql",
        "create_schema",
        schema=sql.Identifier(schema),
        schema_name=sql.Literal(schema),
    )
