"""The warehouse connection: read once from wherever it is defined, given out in every form needed.

A connection comes from a libpq URL (``--warehouse-url``, the embedded PostgreSQL), from the
``AIRFLOW_CONN_AZURE_PG`` variable (URI or JSON), or from an Airflow Connection. Whatever libpq
options it carries (TLS above all: ``sslmode=verify-full`` with ``sslrootcert``) reach both the
loader, through the URL, and dbt, through libpq's own environment variables, so that dbt never
connects less safely than the loader. Messages get ``where``, never the password.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from taxi_pipeline.core.errors import (
    InvalidParameter,
    PipelineError,
    WarehouseAuthFailed,
    WarehouseFull,
    WarehousePermissionDenied,
    WarehouseTlsFailed,
    WarehouseUnavailable,
    first_line,
)
from taxi_pipeline.core.names import CONNECTION_ENV, CONNECTION_ID

# Reading a setting imports this module: the driver is imported only to connect.
if TYPE_CHECKING:
    import psycopg

DEFAULT_CONNECT_TIMEOUT_S = 10

# The libpq options a connection may carry, with the environment variable libpq reads for each.
# dbt-postgres passes only some of them itself; libpq picks up the rest from these variables.
# Keys of the postgres provider's extras that are not libpq options (cursor, iam, ...) are dropped.
LIBPQ_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "keepalives": "PGKEEPALIVES",
    "keepalives_idle": "PGKEEPALIVESIDLE",
}
TLS_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl")


@dataclass(frozen=True)
class WarehouseConnection:
    host: str = "localhost"
    port: int = 5432
    user: str = ""
    password: str = field(default="", repr=False)
    dbname: str = "postgres"
    options: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.options) - set(LIBPQ_OPTION_ENV))
        if unknown:
            raise InvalidParameter(
                f"unsupported connection option(s) {', '.join(unknown)} for PostgreSQL at "
                f"{self.where}; supported: {', '.join(LIBPQ_OPTION_ENV)}"
            )

    # -- from where a connection is defined -----------------------------------------------

    @classmethod
    def from_url(cls, url: str) -> WarehouseConnection:
        text = url.strip()
        if not text.startswith(("postgresql://", "postgres://")):
            raise InvalidParameter("a warehouse URL must start with postgresql:// or postgres://")
        parts = urlsplit(text)
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dbname=unquote(parts.path.lstrip("/")) or "postgres",
            options=dict(parse_qsl(parts.query)),
        )

    @classmethod
    def from_airflow_fields(
        cls,
        *,
        defined_by: str,
        conn_type: str | None,
        host: str | None,
        port: int | str | None,
        login: str | None,
        password: str | None,
        schema: str | None,
        extra: Mapping[str, Any] | None,
    ) -> WarehouseConnection:
        """The fields of an Airflow connection (``schema`` is the database name there);
        ``defined_by`` names where they came from, for the message if they are not postgres."""
        if conn_type and conn_type not in ("postgres", "postgresql"):
            raise InvalidParameter(
                f"{defined_by} has type {conn_type!r}; it must be a postgres connection"
            )
        extra = extra or {}
        return cls(
            host=host or "localhost",
            port=int(port or 5432),
            user=login or "",
            password=password or "",
            dbname=schema or "postgres",
            options={key: str(extra[key]) for key in LIBPQ_OPTION_ENV if key in extra},
        )

    @classmethod
    def from_airflow_connection(cls, conn: Any) -> WarehouseConnection:
        return cls.from_airflow_fields(
            defined_by=f"connection {conn.conn_id!r}",
            conn_type=conn.conn_type,
            host=conn.host,
            port=conn.port,
            login=conn.login,
            password=conn.password,
            schema=conn.schema,
            extra=conn.extra_dejson,
        )

    @classmethod
    def from_env_value(cls, raw: str) -> WarehouseConnection:
        """The value of ``AIRFLOW_CONN_AZURE_PG``: a postgres URI or Airflow's connection JSON."""
        text = raw.strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                message = f"{CONNECTION_ENV} is neither a URI nor valid JSON"
                raise InvalidParameter(message) from None
            extra = data.get("extra") or {}
            if isinstance(extra, str):
                extra = json.loads(extra or "{}")
            return cls.from_airflow_fields(
                defined_by=CONNECTION_ENV,
                conn_type=data.get("conn_type"),
                host=data.get("host"),
                port=data.get("port"),
                login=data.get("login"),
                password=data.get("password"),
                schema=data.get("schema"),
                extra=extra,
            )
        if text.startswith(("postgres://", "postgresql://")):
            return cls.from_url(text)
        raise InvalidParameter(
            f"{CONNECTION_ENV} must be a postgres:// URI or Airflow connection JSON"
        )

    # -- in the form each user needs ------------------------------------------------------

    @property
    def url(self) -> str:
        """The libpq URL (password included): for psycopg and the ADBC driver only."""
        auth = ""
        if self.user:
            auth = quote(self.user, safe="")
            if self.password:
                auth += ":" + quote(self.password, safe="")
            auth += "@"
        query = f"?{urlencode(dict(self.options))}" if self.options else ""
        return f"postgresql://{auth}{self.host}:{self.port}/{quote(self.dbname, safe='')}{query}"

    def connect(self, **kwargs: Any) -> psycopg.Connection:
        """A psycopg connection; ``WarehouseUnavailable`` (or its kin) when it cannot be made.

        Waits at most ``DEFAULT_CONNECT_TIMEOUT_S`` for the server unless the connection's own
        options say ``connect_timeout``.
        """
        import psycopg

        if "connect_timeout" not in self.options:
            kwargs.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT_S)
        try:
            return psycopg.connect(self.url, **kwargs)
        except psycopg.OperationalError as exc:
            raise classify_connection_error(exc, self) from exc

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def tls_settings(self) -> str:
        """The TLS options, for messages (paths and modes are not secrets)."""
        shown = [f"{key}={self.options[key]}" for key in TLS_OPTIONS if key in self.options]
        return ", ".join(shown) or "no TLS options (libpq's default sslmode=prefer)"

    def dbt_environment(self) -> dict[str, str]:
        """What ``profiles.yml`` reads, and libpq's variable for each option the connection has."""
        env = {
            "TAXI_PG_HOST": self.host,
            "TAXI_PG_PORT": str(self.port),
            "TAXI_PG_USER": self.user,
            "TAXI_PG_DBNAME": self.dbname,
            "DBT_ENV_SECRET_PG_PASSWORD": self.password,
        }
        env.update({LIBPQ_OPTION_ENV[key]: value for key, value in self.options.items()})
        return env

    def airflow_json(self) -> str:
        """The Airflow connection JSON that ``AIRFLOW_CONN_AZURE_PG`` accepts."""
        return json.dumps(
            {
                "conn_type": "postgres",
                "host": self.host,
                "port": self.port,
                "login": self.user,
                "password": self.password,
                "schema": self.dbname,
                **({"extra": dict(self.options)} if self.options else {}),
            }
        )


# What libpq (under psycopg, the ADBC driver and dbt alike) says when the login is refused, and
# when the TLS handshake fails for a reason that a retry will not change.
AUTH_MARKERS = ("password authentication failed", "authentication failed", "no password supplied")
TLS_MARKERS = (
    "certificate verify failed",
    "root certificate file",
    "does not match host name",
    "server does not support ssl",
    "invalid sslmode value",
    "certificate file",
    "private key file",
)

# What PostgreSQL says when its disk (or a tablespace's) is full (SQLSTATE 53100).
DISK_FULL_MARKERS = ("no space left on device", "could not extend file", "disk full")


def classify_connection_error(
    error: Exception | str, connection: WarehouseConnection
) -> PipelineError:
    """Turn a driver's (or dbt's) error into one that names the server, never the password."""
    where = connection.where
    message = str(error)
    lowered = message.lower()
    if any(marker in lowered for marker in TLS_MARKERS):
        return WarehouseTlsFailed(
            f"PostgreSQL at {where} refused or failed the TLS handshake ({first_line(message)}). "
            f"The connection has {connection.tls_settings}: check sslmode and sslrootcert (the CA "
            f"that signed the server's certificate) of the {CONNECTION_ID} connection (or "
            f"--warehouse-url)."
        )
    if any(marker in lowered for marker in DISK_FULL_MARKERS):
        # Drivers put their own words first; the server's line names the file and the error.
        said = next(
            line
            for line in message.splitlines()
            if any(m in line.lower() for m in DISK_FULL_MARKERS)
        )
        return WarehouseFull(
            f"PostgreSQL at {where} ran out of disk space ({first_line(said)}). The failed "
            f"transaction was rolled back, which gives back the space it had taken, and what was "
            f"committed before is unchanged. Free or add space on the server's data disk (or the "
            f"tablespace's), then run the month again: until then it fails the same way."
        )
    if any(marker in lowered for marker in AUTH_MARKERS):
        return WarehouseAuthFailed(
            f"PostgreSQL at {where} refused the login (authentication failed). Check the "
            f"login and password of the {CONNECTION_ID} connection (or --warehouse-url)."
        )
    return WarehouseUnavailable(
        f"PostgreSQL at {where} is unreachable or dropped the connection "
        f"({first_line(message)}); a retry may succeed once the server is back"
    )


def permission_refused(error: Exception, connection: WarehouseConnection) -> PipelineError:
    """PostgreSQL's "permission denied" as the error a user can act on, naming the login."""
    return WarehousePermissionDenied(
        f"PostgreSQL at {connection.where} refused the login {connection.user!r}: "
        f"{first_line(str(error))}. A namespace's own login (connection "
        f"{CONNECTION_ID}__<name>) may use only that namespace's schemas: check that the "
        f"connection belongs to this namespace; after building its schemas under another login, "
        f"run `taxi-pipeline namespace-logins` again to hand them to it."
    )


def bulk_load_error(error: Exception, connection: WarehouseConnection) -> PipelineError:
    """What the ADBC driver's COPY failure stands for: a lost server or a full disk as
    ``classify_connection_error`` says, anything else as a failed bulk load."""
    message = first_line(str(error))
    lowered = message.lower()
    if any(marker in lowered for marker in ("connection", "terminating", *DISK_FULL_MARKERS)):
        return classify_connection_error(error, connection)
    return PipelineError(f"bulk load into PostgreSQL at {connection.where} failed: {message}")
