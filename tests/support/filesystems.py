"""Small filesystems for tests that fill a disk: tmpfs mounts, which need root (CI runs as root)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


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
