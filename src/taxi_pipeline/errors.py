"""Errors the pipeline raises, split by what a caller should do about them.

``retryable`` says whether trying again later can help (network trouble, a server error, a lost
database connection) or whether the same input will fail the same way (a missing month, a corrupt
file, a schema change). Airflow tasks turn the second kind into an immediate failure.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit


class PipelineError(Exception):
    """Base of every error the pipeline reports to a user."""

    retryable = False


class InvalidParameter(PipelineError, ValueError):
    """A month, service or setting that cannot be right whatever the data says."""


class MonthNotAvailable(PipelineError):
    """TLC answered 403/404: the file is not (or not yet) published at that URL."""

    def __init__(self, message: str, url: str, status: int):
        super().__init__(message)
        self.url = url
        self.status = status


class SourceUnavailable(PipelineError):
    """The source could not be reached or failed on its side (timeout, refused, HTTP 5xx)."""

    retryable = True


class CorruptFile(PipelineError):
    """What arrived is not a readable parquet file."""


class SchemaMismatch(PipelineError):
    """The file's columns or types do not fit the declared raw schema without loss."""


class WarehouseUnavailable(PipelineError):
    """PostgreSQL could not be reached or dropped the connection."""

    retryable = True


class DbtStillRunning(PipelineError):
    """Statements of an earlier, stopped dbt invocation are still running on the schema."""

    retryable = True


class WarehouseAuthFailed(PipelineError):
    """PostgreSQL refused the credentials."""


class WorkDirUnusable(PipelineError):
    """The work dir is missing, not writable, or full."""


class DbtFailed(PipelineError):
    """A dbt command failed: a model did not build or a test did not pass."""


AUTH_MARKERS = ("password authentication failed", "authentication failed", "no password supplied")


def classify_connection_error(error: Exception | str, url: str) -> PipelineError:
    """Turn a driver's (or dbt's) error into one that names the server, never the password."""
    where = server_of(url)
    message = str(error)
    if any(marker in message for marker in AUTH_MARKERS):
        return WarehouseAuthFailed(
            f"PostgreSQL at {where} refused the login (authentication failed). Check the "
            f"login and password of the azure_pg connection (or --warehouse-url)."
        )
    return WarehouseUnavailable(
        f"PostgreSQL at {where} is unreachable or dropped the connection "
        f"({first_line(message)}); a retry may succeed once the server is back"
    )


def server_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def first_line(message: str) -> str:
    for line in message.splitlines():
        if line.strip():
            # Drivers sometimes echo the connection string; never let a password through.
            return re.sub(r"://[^@/\s]*@", "://***@", line.strip())[:300]
    return "no details"
