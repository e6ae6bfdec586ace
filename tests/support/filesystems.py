"""Small filesystems for tests that fill a disk: tmpfs mounts, which need root (CI runs as root)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from taxi_pipeline.local.postgres import EmbeddedPostgres


@contextlib.contextmanager
def tmpfs(path: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``path`` with ``options`` (``size=1m``, ``uid=``...), unmounted after.

    Skipped without root outside CI; in CI (``CI`` set), or as root, a mount that fails fails
    the test and says why.
    """
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("mounting a small filesystem needs root (CI runs as root)")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.fail(
            f"cannot mount a tmpfs at {path} ({options}): {mounted.stderr.strip()}. These tests "
            f"need root (or CAP_SYS_ADMIN) to mount a small filesystem, as CI has"
        )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def resize(path: Path, size_bytes: int) -> None:
    """Grow or shrink (down to what is used) the tmpfs at ``path``."""
    subprocess.run(
        ["mount", "-o", f"remount,size={size_bytes}", str(path)], check=True, capture_output=True
    )


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


@contextlib.contextmanager
def small_tablespace(server: EmbeddedPostgres, url: str) -> Iterator[Path]:
    """``url``'s database with its new tables on a tmpfs tablespace (64 MiB until resized); at
    the end they move back to the default tablespace and the small one goes."""
    # Beside the data dir, where the server's account (unprivileged when run by root) can reach.
    owner = os.stat(server.data_dir).st_uid
    name = "small_" + url.rsplit("/", 1)[1]
    with tmpfs(server.cluster_dir / name, f"size=64m,mode=0700,uid={owner}") as mount:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("create tablespace {} location {}").format(
                    sql.Identifier(name), sql.Literal(str(mount))
                )
            )
            conn.execute(
                sql.SQL("alter database {} set default_tablespace = {}").format(
                    sql.Identifier(conn.info.dbname), sql.Identifier(name)
                )
            )
        try:
            yield mount
        finally:
            with psycopg.connect(url, autocommit=True) as conn:
                database, tablespace = sql.Identifier(conn.info.dbname), sql.Identifier(name)
                conn.execute(sql.SQL("alter database {} reset default_tablespace").format(database))
                for kind in ("table", "index", "materialized view"):
                    conn.execute(
                        sql.SQL("alter {} all in tablespace {} set tablespace pg_default").format(
                            sql.SQL(kind), tablespace
                        )
                    )
                conn.execute(sql.SQL("drop tablespace {}").format(tablespace))
