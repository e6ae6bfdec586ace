"""Throwaway databases in the session's embedded PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from taxi_pipeline.local.postgres import ConnectionInfo


@contextmanager
def scratch_database(server: ConnectionInfo, prefix: str) -> Iterator[str]:
    """The URL of a new, empty database named ``prefix`` and a random suffix; dropped on the way
    out, with whatever connections are still open to it."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield server.url(name)
    finally:
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
