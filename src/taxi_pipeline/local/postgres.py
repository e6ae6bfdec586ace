"""An embedded PostgreSQL: a private cluster in the project's state dir, on a free local port.

It uses PostgreSQL server binaries found on the machine (``TAXI_PG_BINDIR``, ``pg_config``, or the
Debian/Ubuntu layout ``/usr/lib/postgresql/<version>/bin``); ``scripts/bootstrap`` installs them
when absent. ``initdb`` refuses to run as root, so as root the cluster is owned and run by an
unprivileged system account, and kept where that account can reach it.

The cluster listens on 127.0.0.1 only and requires a password (SCRAM). The password is generated
once and kept in a 0600 file in the state dir, never printed.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from taxi_pipeline.core.errors import PipelineError
from taxi_pipeline.core.settings import Settings

SUPERUSER = "taxi"
DATABASE = "taxi"
_SERVICE_ACCOUNT = "nobody"
_ROOT_CLUSTER_HOME = Path("/var/lib/taxi-pipeline")


class EmbeddedPostgresError(PipelineError):
    """The embedded PostgreSQL could not be found, initialised or started."""


@dataclass(frozen=True)
class ConnectionInfo:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    def url(self, dbname: str | None = None) -> str:
        return (
            f"postgresql://{quote(self.user)}:{quote(self.password, safe='')}"
            f"@{self.host}:{self.port}/{quote(dbname or self.dbname)}"
        )


def find_server_bindir() -> Path:
    """Where ``initdb``/``pg_ctl``/``postgres`` live, newest version first."""
    candidates: list[Path] = []
    if override := os.environ.get("TAXI_PG_BINDIR"):
        candidates.append(Path(override))
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
            candidates.append(Path(out.stdout.strip()))
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(Path(p) for p in debian)
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if all((bindir / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise EmbeddedPostgresError(
        "no PostgreSQL server binaries found (initdb, pg_ctl, postgres). Run scripts/bootstrap, "
        "or install them (Debian/Ubuntu: apt-get install postgresql), or set TAXI_PG_BINDIR, "
        "or point the pipeline at your own server with --warehouse-url / AIRFLOW_CONN_AZURE_PG."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the server binds: connections a stopped server left in TIME_WAIT do not keep it
        # from listening on its port again (and its URLs stay valid).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class EmbeddedPostgres:
    """A PostgreSQL cluster owned by one state dir. ``start()`` is idempotent."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir).resolve()
        self._meta_dir = self.state_dir / "postgres"
        self._running_as_root = os.geteuid() == 0
        self.cluster_dir = self._choose_cluster_dir()
        self.data_dir = self.cluster_dir / "data"
        self.log_file = self.cluster_dir / "server.log"

    # -- where things live -------------------------------------------------------------------

    def _choose_cluster_dir(self) -> Path:
        own = self._meta_dir / "cluster"
        if not self._running_as_root or _reachable_by(self._service_uid(), own):
            return own
        # The unprivileged account cannot traverse the state dir (e.g. under /root); keep the
        # cluster in a root-owned service location, one per state dir.
        digest = hashlib.sha256(str(self.state_dir).encode()).hexdigest()[:12]
        return _ROOT_CLUSTER_HOME / digest

    def _service_uid(self) -> int:
        return pwd.getpwnam(_SERVICE_ACCOUNT).pw_uid

    @property
    def _password_file(self) -> Path:
        return self._meta_dir / "password"

    @property
    def _port_file(self) -> Path:
        return self._meta_dir / "port.json"

    # -- lifecycle ---------------------------------------------------------------------------

    def connection(self) -> ConnectionInfo:
        return ConnectionInfo(
            host="127.0.0.1",
            port=self._port(),
            user=SUPERUSER,
            password=self._password(),
            dbname=DATABASE,
        )

    def is_running(self) -> bool:
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        result = self._pg_ctl("status", check=False)
        return result.returncode == 0

    def start(self, port: int | None = None) -> ConnectionInfo:
        if (self.data_dir / "PG_VERSION").exists() and not self._password_file.exists():
            self._discard_orphaned_cluster()
        self._meta_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if not self.is_running():
            chosen = port or self._saved_port() or free_port()
            if not port_is_free(chosen):
                chosen = free_port()
            self._port_file.write_text(json.dumps({"port": chosen}))
            self._pg_ctl(
                "start", "-w", "-t", "60", "-l", str(self.log_file), "-o", _server_options(chosen)
            )
        info = self.connection()
        self._ensure_database(info)
        return info

    def stop(self) -> None:
        if self.is_running():
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")

    def kill(self) -> None:
        """Stop at once, as a power loss or an OOM kill would: no checkpoint, connections cut,
        and the next ``start()`` recovers from the WAL."""
        self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "60")

    def restart(self) -> None:
        """Fast restart: connections drop, as in a real server restart."""
        self._pg_ctl(
            "restart",
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "-l",
            str(self.log_file),
            "-o",
            _server_options(self._port()),
        )

    def _discard_orphaned_cluster(self) -> None:
        """A cluster kept outside the state dir outlives a deleted state dir, and nobody can log
        in to it without the password that went with it: stop it and start afresh."""
        if self.is_running():
            self._pg_ctl("stop", "-m", "immediate", "-w", "-t", "60", check=False)
        shutil.rmtree(self.cluster_dir, ignore_errors=True)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.cluster_dir, ignore_errors=True)
        shutil.rmtree(self._meta_dir, ignore_errors=True)

    # -- internals ---------------------------------------------------------------------------

    def _initdb(self) -> None:
        bindir = find_server_bindir()
        self.cluster_dir.mkdir(parents=True, exist_ok=True)
        password = self._password()
        pwfile = self.cluster_dir / ".initdb-pw"
        pwfile.write_text(password)
        try:
            if self._running_as_root:
                uid = self._service_uid()
                os.chown(self.cluster_dir, uid, -1)
                os.chown(pwfile, uid, -1)
            os.chmod(self.cluster_dir, 0o700)
            pwfile.chmod(0o600)
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def _ensure_database(self, info: ConnectionInfo) -> None:
        import psycopg

        with psycopg.connect(info.url("postgres"), autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute(
                "select 1 from pg_database where datname = %s", (DATABASE,)
            ).fetchone()
            if not exists:
                conn.execute(f'create database "{DATABASE}"')

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        bindir = find_server_bindir()
        return self._run([str(bindir / "pg_ctl"), "-D", str(self.data_dir), *args], check=check)

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
        user = _SERVICE_ACCOUNT if self._running_as_root else None
        result = subprocess.run(
            argv,
            user=user,
            capture_output=True,
            text=True,
            cwd=self.cluster_dir,
            # The server must not inherit a session's variables that steer libpq or locale.
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C"},
        )
        if check and result.returncode != 0:
            tail = self._log_tail()
            raise EmbeddedPostgresError(
                f"{Path(argv[0]).name} {argv[-1] if len(argv) > 1 else ''} failed "
                f"(exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                + (f"\nserver log ({self.log_file}):\n{tail}" if tail else "")
            )
        return result

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _password(self) -> str:
        if not self._password_file.exists():
            self._meta_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(24))
        return self._password_file.read_text().strip()

    def _saved_port(self) -> int | None:
        try:
            return int(json.loads(self._port_file.read_text())["port"])
        except (OSError, ValueError, KeyError):
            return None

    def _port(self) -> int:
        port = self._saved_port()
        if port is None:
            raise EmbeddedPostgresError(
                f"the embedded PostgreSQL in {self.state_dir} has not been started: "
                "run `taxi-pipeline up` (or any command without --warehouse-url)"
            )
        return port


def _server_options(port: int) -> str:
    # A private warehouse has no replicas, so it can use minimal WAL: a COPY into a table created
    # in the same transaction then skips WAL entirely (PostgreSQL's bulk-load path). A larger
    # max_wal_size avoids checkpoints in the middle of a month's load.
    settings = {
        "port": port,
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": "''",
        "wal_level": "minimal",
        "max_wal_senders": 0,
        "max_wal_size": "2GB",
        "max_connections": 200,
    }
    return " ".join(f"-c {key}={value}" for key, value in settings.items())


def _reachable_by(uid: int, path: Path) -> bool:
    """Whether every existing ancestor of ``path`` lets ``uid`` (not its owner) traverse it."""
    for ancestor in [path, *path.parents]:
        if not ancestor.exists():
            continue
        st = ancestor.stat()
        if st.st_uid != uid and not st.st_mode & 0o001:
            return False
    return True


def wait_until_accepting(info: ConnectionInfo, timeout_s: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(info.url(), connect_timeout=3):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def resolve_warehouse_url(settings: Settings) -> str:
    """``--warehouse-url``, else ``AIRFLOW_CONN_AZURE_PG``, else the state dir's own server."""
    return settings.given_warehouse_url() or EmbeddedPostgres(settings.state_dir).start().url()
