"""Serve TLC files from a local folder over HTTP on 127.0.0.1, with TLC's URL layout.

Machines without internet (CI, the demo) point ``TAXI_TLC_BASE_URL`` at this mirror; the pipeline
then runs exactly the code path that downloads from TLC itself. Missing files answer 403, as TLC's
CloudFront does for months it has not published.
"""

from __future__ import annotations

import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TRIP_DATA_PREFIX = "/trip-data/"


class MirrorHandler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if not self.path.startswith(TRIP_DATA_PREFIX) or "/" in self.path[len(TRIP_DATA_PREFIX) :]:
            self.send_error(HTTPStatus.FORBIDDEN)
            return
        name = self.path[len(TRIP_DATA_PREFIX) :]
        if not (Path(self.directory) / name).is_file():
            self.send_error(HTTPStatus.FORBIDDEN)
            return
        self.path = "/" + name
        super().do_GET()

    def log_message(self, format: str, *args) -> None:
        pass


class TlcMirror:
    """A background HTTP server; ``base_url`` is what ``TAXI_TLC_BASE_URL`` should be."""

    def __init__(self, folder: Path, port: int = 0, handler: type[MirrorHandler] = MirrorHandler):
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", port), partial(handler, directory=str(Path(folder).resolve()))
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{TRIP_DATA_PREFIX.rstrip('/')}"

    def start(self) -> TlcMirror:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()
