"""What the local Airflow is told: ``airflow.cfg``, its processes' environment, and the secrets.

Secrets are generated once and kept in 0600 files; none is printed here. The warehouse connection
(``azure_pg``) reaches the processes only through ``AIRFLOW_CONN_AZURE_PG`` in their environment.
"""

from __future__ import annotations

import configparser
import io
import json
import os
import secrets
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from taxi_pipeline.core.connection import WarehouseConnection
from taxi_pipeline.core.names import CONNECTION_ENV

_METADATA_ROLE = "airflow"
_METADATA_DB = "airflow"


class AirflowConfig:
    """``LocalAirflow``'s settings, environment and secrets, from the attributes it sets."""

    def config(self) -> dict[str, dict[str, str]]:
        """Airflow's settings for this state dir, as written to ``<home>/airflow.cfg``."""
        saved = self._secrets()
        values = {
            "core": {
                "dags_folder": str(self.dags_folder),
                "load_examples": "False",
                "executor": self.executor,
                "parallelism": str(self.parallelism),
                "fernet_key": saved["fernet_key"],
                "auth_manager": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                "simple_auth_manager_users": "admin:admin",
                "simple_auth_manager_passwords_file": str(self.admin_password_file),
                # Tasks report to the API server; on any port but 8080 they must be told where.
                "execution_api_server_url": f"{self.api_url}/execution/",
            },
            "database": {"sql_alchemy_conn": self._metadata_url("postgresql+psycopg2")},
            "api": {
                "host": "127.0.0.1",
                "port": str(self.api_port),
                "base_url": self.api_url,
                "workers": "1",
                "secret_key": saved["api_secret_key"],
            },
            # Every component that signs or checks execution tokens must share this secret.
            "api_auth": {"jwt_secret": saved["jwt_secret"]},
            # Quick reactions on a laptop: new or edited DAG files are parsed within seconds.
            "dag_processor": {
                "refresh_interval": "10",
                "min_file_process_interval": "15",
                "parsing_processes": "1",
            },
            "scheduler": {"scheduler_heartbeat_sec": "2"},
        }
        if self.executor == "CeleryExecutor":
            values["celery"] = self._celery_config()
        for section, overrides in self.extra_config.items():
            values.setdefault(section, {}).update(overrides)
        return values

    def _celery_config(self) -> dict[str, str]:
        celery = {
            "broker_url": self.broker_url or "",
            "worker_concurrency": str(self.celery_concurrency),
        }
        # Without one, Celery keeps task results in the metadata database (db+postgresql://).
        if self.result_backend:
            celery["result_backend"] = self.result_backend
        return celery

    def write_config(self) -> Path:
        """Write ``airflow.cfg`` (0600: it holds local secrets) so that a plain ``airflow``
        command with ``AIRFLOW_HOME`` set to this home talks to this Airflow too."""
        parser = configparser.ConfigParser(interpolation=None)
        for section, values in self.config().items():
            # Airflow reads the file with %-interpolation.
            parser[section] = {key: value.replace("%", "%%") for key, value in values.items()}
        path = self.home / "airflow.cfg"
        buffer = io.StringIO()
        parser.write(buffer)
        write_private(path, buffer.getvalue())
        return path

    def environment(self) -> dict[str, str]:
        """The environment every Airflow process (and so every task) runs with."""
        env = {
            k: v
            for k, v in os.environ.items()
            # Settings come from this home's airflow.cfg, not from whatever the shell had.
            if not k.startswith("AIRFLOW__") and k not in ("AIRFLOW_HOME", "AIRFLOW_CONFIG")
        }
        env["AIRFLOW_HOME"] = str(self.home)
        env["AIRFLOW_CONFIG"] = str(self.home / "airflow.cfg")
        if self.warehouse_url or CONNECTION_ENV not in env:
            url = self.warehouse_url or self.postgres.start().url()
            env[CONNECTION_ENV] = WarehouseConnection.from_url(url).airflow_json()
        env.update(self.extra_env)
        return env

    def _secrets(self) -> dict[str, str]:
        path = self.home / "secrets.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            pass
        from cryptography.fernet import Fernet

        values = {
            "metadata_password": secrets.token_urlsafe(24),
            "fernet_key": Fernet.generate_key().decode(),
            "jwt_secret": secrets.token_urlsafe(32),
            "api_secret_key": secrets.token_urlsafe(32),
        }
        self.home.mkdir(parents=True, exist_ok=True)
        write_private(path, json.dumps(values))
        return values

    def _metadata_url(self, scheme: str) -> str:
        info = self.postgres.connection()
        password = quote(self._secrets()["metadata_password"], safe="")
        return f"{scheme}://{_METADATA_ROLE}:{password}@{info.host}:{info.port}/{_METADATA_DB}"

    def _ensure_metadata_database(self) -> None:
        info = self.postgres.start()
        password = self._secrets()["metadata_password"]
        with psycopg.connect(info.url("postgres"), autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute(
                "select 1 from pg_roles where rolname = %s", (_METADATA_ROLE,)
            ).fetchone()
            verb = "alter" if exists else "create"
            conn.execute(
                sql.SQL(verb + " role {} login password {}").format(
                    sql.Identifier(_METADATA_ROLE), sql.Literal(password)
                )
            )
            if not conn.execute(
                "select 1 from pg_database where datname = %s", (_METADATA_DB,)
            ).fetchone():
                conn.execute(
                    sql.SQL("create database {} owner {}").format(
                        sql.Identifier(_METADATA_DB), sql.Identifier(_METADATA_ROLE)
                    )
                )


def write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)
