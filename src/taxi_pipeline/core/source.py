"""Fetching one TLC month: its URL, a streamed download, and proof that what arrived is parquet.

Every failure is classified so the caller knows whether to retry: 403/404 means the month is not
(or not yet) published at that URL; refused connections, timeouts and 5xx are transient; a body
that is not parquet is reported by what it is (an HTML page, an empty file, a truncated file).
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import requests

from taxi_pipeline.core.errors import (
    CorruptFile,
    MonthNotAvailable,
    PipelineError,
    SourceUnavailable,
    WorkDirUnusable,
)
from taxi_pipeline.core.months import Month

PARQUET_MAGIC = b"PAR1"
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class DownloadedFile:
    url: str
    path: Path
    sha256: str
    size_bytes: int
    # The footer, read once when the file is checked; later steps use it instead of re-reading.
    metadata: pq.FileMetaData


def trip_file_name(service: str, month: Month) -> str:
    return f"{service}_tripdata_{month}.parquet"


def trip_file_url(base_url: str, service: str, month: Month) -> str:
    return f"{base_url.rstrip('/')}/{trip_file_name(service, month)}"


def download(url: str, dest: Path, timeout_s: float = 60.0) -> DownloadedFile:
    """Stream ``url`` to ``dest`` (via a temporary name), then check that it is readable parquet."""
    partial = dest.with_name(dest.name + ".partial")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _work_dir_error(dest.parent, exc) from exc
    digest = hashlib.sha256()
    size = 0
    try:
        with requests.get(url, stream=True, timeout=(min(timeout_s, 15.0), timeout_s)) as response:
            _raise_for_status(url, response)
            with open(partial, "wb") as out:
                for chunk in response.iter_content(_CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
    except (requests.ConnectionError, requests.Timeout) as exc:
        partial.unlink(missing_ok=True)
        kind = "timed out" if isinstance(exc, requests.Timeout) else "failed"
        raise SourceUnavailable(
            f"download of {url} {kind} ({type(exc).__name__}); this is usually transient "
            f"(network or server trouble) and a retry may succeed"
        ) from exc
    except requests.RequestException as exc:
        partial.unlink(missing_ok=True)
        raise SourceUnavailable(f"download of {url} failed: {type(exc).__name__}") from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise _work_dir_error(dest.parent, exc) from exc
    try:
        metadata = check_parquet(partial, url)
    except PipelineError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, dest)
    return DownloadedFile(url, dest, digest.hexdigest(), size, metadata)


def local_file(path: Path) -> DownloadedFile:
    """A parquet file already on this machine, checked as a download would be."""
    url = path.resolve().as_uri()
    metadata = check_parquet(path, url)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return DownloadedFile(url, path, digest, path.stat().st_size, metadata)


def _raise_for_status(url: str, response: requests.Response) -> None:
    status = response.status_code
    if status in (403, 404):
        raise MonthNotAvailable(
            f"{url} is not available (HTTP {status}). TLC answers {status} for a month it has "
            f"not published yet (it publishes about two months late) or for a wrong URL: check "
            f"the month, the service and the TLC base URL.",
            url=url,
            status=status,
        )
    if status == 429 or status >= 500:
        raise SourceUnavailable(
            f"{url} answered HTTP {status} (server-side trouble); a retry may succeed"
        )
    if status >= 400:
        raise PipelineError(f"{url} answered HTTP {status}; check the TLC base URL")


def check_parquet(path: Path, url: str) -> pq.FileMetaData:
    """The file's footer; ``CorruptFile`` unless it has parquet magic at both ends and a footer."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(512)
        if size >= 8:
            handle.seek(-4, os.SEEK_END)
            tail = handle.read(4)
        else:
            tail = b""
    if not head.startswith(PARQUET_MAGIC):
        raise CorruptFile(
            f"{url} did not return a parquet file: it returned {_describe(head, size)}"
        )
    if tail != PARQUET_MAGIC:
        raise CorruptFile(
            f"{url} returned a truncated parquet file of {size} bytes (no footer at the end); "
            f"the download was cut short or the file on the server is damaged"
        )
    try:
        return pq.read_metadata(path)
    except Exception as exc:
        raise CorruptFile(
            f"{url} returned a parquet file of {size} bytes whose footer cannot be read: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from exc


def _describe(head: bytes, size: int) -> str:
    if size == 0:
        return "an empty file (0 bytes)"
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text:
        return f"an HTML page of {size} bytes"
    if text.startswith(b"<?xml") or text.startswith(b"<error"):
        return f"an XML document of {size} bytes (an error page?)"
    if text.startswith((b"{", b"[")):
        return f"a JSON document of {size} bytes"
    return f"{size} bytes that are not parquet (starting {head[:8]!r})"


def _work_dir_error(work_dir: Path, exc: OSError) -> WorkDirUnusable:
    if exc.errno == errno.ENOSPC:
        reason = "is full (no space left on device)"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "is not writable"
    else:
        reason = f"cannot be used ({exc.strerror or exc})"
    return WorkDirUnusable(
        f"work dir {work_dir} {reason}; free space or point TAXI_WORK_DIR at another folder"
    )
