"""Runtime settings, from flags or the environment, with defaults that work on a fresh clone.

Nothing here holds a credential: the warehouse URL comes from ``--warehouse-url`` or the
``AIRFLOW_CONN_AZURE_PG`` variable (the same one Airflow reads for the ``azure_pg`` connection),
and otherwise from the embedded PostgreSQL, whose password lives in a 0600 file in the state dir.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taxi_pipeline.core.connection import WarehouseConnection
from taxi_pipeline.core.errors import InvalidParameter
from taxi_pipeline.core.names import (
    CONNECTION_ENV,
    DEFAULT_COPY_STREAMS,
    DEFAULT_DBT_SCHEMA,
    DEFAULT_LOCK_RETRY_S,
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_RAW_SCHEMA,
    DEFAULT_SERVICE,
    DEFAULT_STATE_DIR,
    DEFAULT_TLC_BASE_URL,
    validate_identifier,
)


def setting(name: str, default: str, override: Callable[[str], Any] | None = None) -> str:
    """The setting ``name``: what ``override`` gives for it (the tasks pass the Airflow Variable
    ``taxi_<name>``), else the environment variable ``TAXI_<NAME>``, else ``default``."""
    if override is not None:
        value = override(name)
        if value not in (None, ""):
            return str(value)
    return os.environ.get(f"TAXI_{name.upper()}") or default


@dataclass(frozen=True)
class LockWait:
    """How long the pipeline waits for a lock on a relation that others read.

    Each statement needing such a lock waits at most ``timeout_s`` (PostgreSQL's lock_timeout),
    so readers queued behind it wait no longer; a try then tries again, with backoff, until
    ``retry_s`` have passed.
    """

    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
    retry_s: float = DEFAULT_LOCK_RETRY_S

    def __post_init__(self) -> None:
        for name, value, low, high in (
            ("lock timeout (TAXI_LOCK_TIMEOUT_S)", self.timeout_s, 0.1, 600),
            ("lock retry time (TAXI_LOCK_RETRY_S)", self.retry_s, 0, 86_400),
        ):
            if not isinstance(value, int | float) or not low <= value <= high:
                raise InvalidParameter(
                    f"{name} must be a number of seconds from {low} to {high}, got {value!r}"
                )

    @classmethod
    def configured(cls, override: Callable[[str], Any] | None = None) -> LockWait:
        """The settings ``lock_timeout_s`` and ``lock_retry_s`` (see ``setting``)."""
        values = []
        for name, default in (
            ("lock_timeout_s", DEFAULT_LOCK_TIMEOUT_S),
            ("lock_retry_s", DEFAULT_LOCK_RETRY_S),
        ):
            raw = setting(name, str(default), override)
            try:
                values.append(float(raw))
            except ValueError:
                raise InvalidParameter(
                    f"TAXI_{name.upper()} must be a number of seconds, got {raw[:20]!r}"
                ) from None
        return cls(*values)

    @property
    def lock_timeout(self) -> str:
        """The value for PostgreSQL's lock_timeout."""
        return f"{round(self.timeout_s * 1000)}ms"


@dataclass
class Settings:
    service: str = DEFAULT_SERVICE
    tlc_base_url: str = field(default_factory=lambda: setting("tlc_base_url", DEFAULT_TLC_BASE_URL))
    state_dir: Path = field(default_factory=lambda: Path(setting("state_dir", DEFAULT_STATE_DIR)))
    work_dir: Path | None = None
    warehouse_url: str | None = None
    raw_schema: str = field(default_factory=lambda: setting("raw_schema", DEFAULT_RAW_SCHEMA))
    dbt_schema: str = field(default_factory=lambda: setting("dbt_schema", DEFAULT_DBT_SCHEMA))
    download_timeout_s: float = 120.0
    copy_streams: int = field(
        default_factory=lambda: setting("copy_streams", str(DEFAULT_COPY_STREAMS))
    )
    lock_wait: LockWait = field(default_factory=LockWait.configured)

    def __post_init__(self) -> None:
        self.state_dir = Path(self.state_dir).resolve()
        self.work_dir = Path(
            self.work_dir or setting("work_dir", str(self.state_dir / "work"))
        ).resolve()
        validate_identifier(self.raw_schema, "raw schema")
        validate_identifier(self.dbt_schema, "dbt schema")
        streams = str(self.copy_streams).strip()
        if not streams.isdigit() or not 1 <= int(streams) <= 16:
            raise InvalidParameter(
                f"COPY streams (--copy-streams, TAXI_COPY_STREAMS) must be a whole number from 1 "
                f"to 16, got {streams[:20]!r}"
            )
        self.copy_streams = int(streams)
        if not self.tlc_base_url.startswith(("http://", "https://")):
            raise InvalidParameter(
                f"TLC base URL must start with http:// or https://, got {self.tlc_base_url[:80]!r}"
            )

    def given_warehouse_url(self) -> str | None:
        """``--warehouse-url``, else the ``azure_pg`` connection the environment defines; None
        when neither is given (the local stack then uses its embedded server)."""
        return self.warehouse_url or warehouse_url_from_env()


def warehouse_url_from_env() -> str | None:
    """The ``azure_pg`` connection as a libpq URL, if the environment defines it (URI or JSON)."""
    raw = os.environ.get(CONNECTION_ENV)
    if not raw:
        return None
    return WarehouseConnection.from_env_value(raw).url
