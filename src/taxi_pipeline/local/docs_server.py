"""Serving a generated dbt docs site on 127.0.0.1 (``taxi-pipeline docs``).

A plain static file server over the site's folder, reachable from this machine only; the site
holds the project's SQL and the warehouse's column types, no credential.
"""

from __future__ import annotations

import errno
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from taxi_pipeline.core.errors import InvalidParameter

HOST = "127.0.0.1"
# dbt's own `docs serve` takes 8080, where Airflow's UI usually is.
DEFAULT_PORT = 8580


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        # One line per file fetched would bury the URL the command printed.
        pass


def docs_server(folder: Path, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A server for ``folder`` bound to 127.0.0.1:``port`` (0: any free port), not yet serving."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InvalidParameter(
                f"port {port} on {HOST} is taken: choose another with --port (0 picks a free one)"
            ) from None
        raise


def server_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
