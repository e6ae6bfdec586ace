"""A TLC mirror for tests that misbehaves on request: errors, HTML bodies, slow answers."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from taxi_pipeline.local.tlc_mirror import TRIP_DATA_PREFIX, MirrorHandler, TlcMirror


@dataclass
class Fault:
    """One scripted answer: an HTTP status, a body to send instead of the file, or a delay."""

    status: int = 200
    body: bytes | None = None
    delay_s: float = 0.0


class FaultyTlcMirror(TlcMirror):
    def __init__(self, folder: Path):
        self.faults: dict[str, list[Fault]] = defaultdict(list)
        self.requests: list[str] = []
        mirror = self

        class Handler(MirrorHandler):
            def do_GET(self) -> None:
                name = self.path[len(TRIP_DATA_PREFIX) :]
                mirror.requests.append(name)
                queue = mirror.faults.get(name)
                if queue:
                    fault = queue.pop(0)
                    time.sleep(fault.delay_s)
                    if fault.status != 200 or fault.body is not None:
                        body = fault.body if fault.body is not None else b"error"
                        self.send_response(fault.status)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                        return
                super().do_GET()

        super().__init__(folder, handler=Handler)

    def script(self, file_name: str, *faults: Fault) -> None:
        """Answer the next requests for ``file_name`` with ``faults``, then serve it normally."""
        self.faults[file_name] = list(faults)

    def reset(self) -> None:
        self.faults.clear()
        self.requests.clear()
