"""Errors the pipeline raises, split by what a caller should do about them.

``retryable`` says whether trying again later can help (network trouble, a server error, a lost
database connection) or whether the same input will fail the same way (a missing month, a corrupt
file, a schema change). Airflow tasks turn the second kind into an immediate failure.
"""

from __future__ import annotations

import re


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


class WarehouseBusy(PipelineError):
    """Another session holds a lock the pipeline needs, for longer than a try keeps trying."""

    retryable = True


class WarehouseFull(PipelineError):
    """PostgreSQL ran out of disk space: the same load fails the same way until space is freed."""


class DbtStillRunning(PipelineError):
    """Statements of an earlier, stopped dbt invocation are still running on the schema."""

    retryable = True


class WarehouseAuthFailed(PipelineError):
    """PostgreSQL refused the credentials."""


class WarehousePermissionDenied(PipelineError):
    """PostgreSQL refused the login a schema or table it does not own (another namespace's)."""


class WorkDirUnusable(PipelineError):
    """The work dir is missing, not writable, or full."""


class DbtFailed(PipelineError):
    """A dbt command failed: a model did not build or a test did not pass."""


class WarehouseTlsFailed(PipelineError):
    """The TLS handshake with PostgreSQL failed: a certificate that does not verify, a CA file that
    is missing, a server without TLS where the connection requires it."""


def first_line(message: str) -> str:
    for line in message.splitlines():
        if line.strip():
            return _without_userinfo(line.strip())[:300]
    return "no details"


def error_summary(exc: BaseException, *, one_line: bool = True) -> str:
    """The error as the CLI prints it and the task log and RUNBOOK name it:
    ``Kind (retryable|not retryable): message``, on one line unless ``one_line`` is false."""
    text = " ".join(str(exc).split()) if one_line else str(exc).strip()
    message = _without_userinfo(text) or "no details"
    if isinstance(exc, PipelineError):
        kind = "retryable" if exc.retryable else "not retryable"
        return f"{type(exc).__name__} ({kind}): {message}"
    return f"{type(exc).__name__}: {message}"


def _without_userinfo(text: str) -> str:
    # Drivers sometimes echo the connection string; never let a password through.
    return re.sub(r"://[^@/\s]*@", "://***@", text)
