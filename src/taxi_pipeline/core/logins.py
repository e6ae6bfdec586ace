"""Logins of their own: a PostgreSQL role that owns a given set of schemas and nothing else.

Each copy of the pipeline (a namespace) can then connect as a role that PostgreSQL itself keeps
out of every other copy's schemas: it owns its raw and dbt schemas (and what is in them), has no
right to create schemas or roles, and is granted nothing elsewhere. Creating a login again gives
it a new password and hands it what was built in its schemas meanwhile.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from psycopg import sql

from taxi_pipeline.core.connection import WarehouseConnection
from taxi_pipeline.core.names import validate_identifier
from taxi_pipeline.core.sqlfile import statement

SCRAM_ITERATIONS = 4096


def create_login(
    admin: WarehouseConnection, role: str, schemas: Iterable[str]
) -> WarehouseConnection:
    """Create (or renew) ``role`` owning ``schemas``, through ``admin`` (a superuser, or a role
    with CREATEROLE that owns the schemas); returns the connection of the new login."""
    validate_identifier(role, "role name")
    password = secrets.token_urlsafe(24)
    with admin.connect(autocommit=True) as conn:
        verifier = sql.Literal(scram_verifier(password))
        conn.execute(_statement("create_login", role, verifier=verifier))
        for schema in schemas:
            validate_identifier(schema)
            parts = {"schema": sql.Identifier(schema), "schema_name": sql.Literal(schema)}
            conn.execute(_statement("own_schema", role, **parts))
    return dataclasses.replace(admin, user=role, password=password)


def _statement(name: str, role: str, **parts: sql.Composable) -> sql.Composed:
    return statement(
        "logins.sql", name, role=sql.Identifier(role), role_name=sql.Literal(role), **parts
    )


def scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802, RFC 7677)."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
