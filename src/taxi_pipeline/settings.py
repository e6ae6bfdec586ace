"""Runtime settings, from flags or the environment, with defaults that work on a fresh clone.

Nothing here holds a credential: the warehouse URL comes from ``--warehouse-url`` or the
``AIRFLOW_CONN_AZURE_PG`` variable (the same one Airflow reads for the ``azure_pg`` connection),
and otherwise from the embedded PostgreSQL, whose password lives in a 0600 file in the state dir.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from taxi_pipeline.errors import InvalidParameter
from taxi_pipeline.source import DEFAULT_TLC_BASE_URL
from taxi_pipeline.warehouse import validate_identifier

CONNECTION_ID = "azure_pg"
CONNECTION_ENV = "AIRFLOW_CONN_AZURE_PG"
DEFAULT_STATE_DIR = ".state"


def env_setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass
class Settings:
    service: str = "green"
    tlc_base_url: str = field(
        default_factory=lambda: env_setting("TAXI_TLC_BASE_URL", DEFAULT_TLC_BASE_URL)
    )
    state_dir: Path = field(
        default_factory=lambda: Path(env_setting("TAXI_STATE_DIR", DEFAULT_STATE_DIR))
    )
    work_dir: Path | None = None
    warehouse_url: str | None = None
    raw_schema: str = field(default_factory=lambda: env_setting("TAXI_RAW_SCHEMA", "raw"))
    dbt_schema: str = field(default_factory=lambda: env_setting("TAXI_DBT_SCHEMA", "analytics"))
    download_timeout_s: float = 120.0
    copy_streams: int = field(default_factory=lambda: env_setting("TAXI_COPY_STREAMS", "2"))

    def __post_init__(self) -> None:
        self.state_dir = Path(self.state_dir).resolve()
        self.work_dir = Path(
            self.work_dir or env_setting("TAXI_WORK_DIR", str(self.state_dir / "work"))
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


def warehouse_url_from_env() -> str | None:
    """The ``azure_pg`` connection as a libpq URL, if the environment defines it (URI or JSON)."""
    raw = os.environ.get(CONNECTION_ENV)
    if not raw:
        return None
    return connection_to_url(raw)


def connection_to_url(raw: str) -> str:
    text = raw.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise InvalidParameter(f"{CONNECTION_ENV} is neither a URI nor valid JSON") from None
        from urllib.parse import quote

        login = quote(str(data.get("login") or ""), safe="")
        password = quote(str(data.get("password") or ""), safe="")
        auth = f"{login}:{password}@" if password else (f"{login}@" if login else "")
        port = f":{data['port']}" if data.get("port") else ""
        return (
            f"postgresql://{auth}{data.get('host') or 'localhost'}{port}/{data.get('schema') or ''}"
        )
    for prefix in ("postgres://", "postgresql://"):
        if text.startswith(prefix):
            return "postgresql://" + text[len(prefix) :]
    raise InvalidParameter(f"{CONNECTION_ENV} must be a postgres:// URI or Airflow connection JSON")
