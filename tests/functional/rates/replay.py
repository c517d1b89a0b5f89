"""A local HTTP server (127.0.0.1) replaying the official rate sources' answers for ``rates sync`` tests.

``ReplayServer.routes`` maps a path to ``(status, body)``; an unknown path answers 404. The saved answers
live in ``samples/`` with their provenance (``samples/PROVENANCE.md``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "samples"
ECB_SAMPLE = (SAMPLES / "ecb_mro_fr.csv").read_text(encoding="utf-8")
WEBSTAT_SAMPLE = (SAMPLES / "webstat_taux_legal.json").read_text(encoding="utf-8")
LEGAL_SERIES = ("TAUX_LEGAL.S.FR.PARTICULIERS", "TAUX_LEGAL.S.FR.AUTRES_CAS")


class ReplayServer:
    """The server's base URL, its routes (mutable while it runs) and the headers of each request."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {
            "/ecb": (200, ECB_SAMPLE.encode()),
            "/webstat": (200, WEBSTAT_SAMPLE.encode()),
        }
        self.requests: list[dict[str, str]] = []
        routes, seen = self.routes, self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                """Answer the route's status and body."""
                seen.append({k.lower(): v for k, v in self.headers.items()} | {"path": self.path})
                status, body = routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A running replay server, shut down after the test."""
    server = ReplayServer()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
