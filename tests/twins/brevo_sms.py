"""A twin of Brevo's transactional SMS API: a local HTTP server (127.0.0.1) for ``POST /v3/transactionalSMS/sms``.

It checks the request as Brevo documents it (the ``api-key`` header, a JSON body with ``sender`` of at most 11
alphanumeric characters or 15 digits, ``recipient`` with its country code, ``content``, and only the documented
optional members ``type``, ``tag``, ``webUrl``, ``unicodeEnabled``, ``organisationPrefix``) and answers the
documented shapes: 201 ``{"reference", "messageId", "smsCount", "usedCredits", "remainingCredits"}``, 400
``{"code", "message"}`` for a bad request, 401 for an unknown key, and whatever a test scripts next (402 out
of credits, 429 with ``Retry-After``, 5xx, or a connection closed without an answer).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "xkeysib-twin-0123456789abcdef"
PATH = "/v3/transactionalSMS/sms"
OPTIONAL = {"type", "tag", "webUrl", "unicodeEnabled", "organisationPrefix"}
_SENDER = re.compile(r"^(?:[A-Za-z0-9 ]{1,11}|[0-9]{1,15})$")
_RECIPIENT = re.compile(r"^\+?[1-9][0-9]{7,14}$")


@dataclass(frozen=True)
class Scripted:
    """An answer to give instead of the normal one: a status, a JSON body and headers; ``drop`` closes the
    connection without answering."""

    status: int = 500
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]


class BrevoSmsTwin:
    def __init__(self) -> None:
        self.received: list[Received] = []  # every request the twin accepted (201)
        self.script: list[Scripted] = []
        self._ids = itertools.count(1511882900176220)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        """The status, body and headers of the answer to one POST."""
        with self._lock:
            scripted = self.script.pop(0) if self.script else None
        if scripted is not None:
            return scripted.status, scripted.body, scripted.headers
        if headers.get("api-key") != API_KEY:
            return 401, {"code": "unauthorized", "message": "Key not found"}, {}
        if not headers.get("content-type", "").startswith("application/json"):
            return 415, {"code": "invalid_parameter", "message": "Content-Type must be application/json"}, {}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {"code": "bad_request", "message": "Body is not valid JSON"}, {}
        problem = _problem(body)
        if problem is not None:
            return 400, {"code": problem[0], "message": problem[1]}, {}
        with self._lock:
            self.received.append(Received(headers, body))
            message_id = next(self._ids)
        segments = _segments(body["content"], bool(body.get("unicodeEnabled")))
        return 201, _accepted(message_id, segments), {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        twin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != PATH:
                    self._send(404, {"code": "document_not_found", "message": "Not found"}, {})
                    return
                status, body, headers = twin.answer({k.lower(): v for k, v in self.headers.items()}, raw)
                if status == 0:
                    self.close_connection = True
                    return
                self._send(status, body, headers)

            def _send(self, status: int, body: dict[str, Any] | None, headers: dict[str, str]) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def drop() -> Scripted:
    """A scripted connection closed without an answer (status 0 tells the handler)."""
    return Scripted(status=0, drop=True)


def _problem(body: object) -> tuple[str, str] | None:
    if not isinstance(body, dict):
        return "bad_request", "Body must be a JSON object"
    missing = [name for name in ("sender", "recipient", "content") if not body.get(name)]
    if missing:
        return "missing_parameter", f"{missing[0]} is missing"
    unknown = sorted(set(body) - {"sender", "recipient", "content"} - OPTIONAL)
    if unknown:
        return "invalid_parameter", f"{unknown[0]} is not a valid parameter"
    if not isinstance(body["sender"], str) or not _SENDER.match(body["sender"]):
        return "invalid_parameter", "sender is limited to 11 alphanumeric or 15 numeric characters"
    if not isinstance(body["recipient"], str) or not _RECIPIENT.match(body["recipient"]):
        return "invalid_parameter", "Invalid phone number"
    if body.get("type", "transactional") not in ("transactional", "marketing"):
        return "invalid_parameter", "type is transactional or marketing"
    if not isinstance(body.get("unicodeEnabled", False), bool):
        return "invalid_parameter", "unicodeEnabled is a boolean"
    return None


def _segments(content: str, unicode: bool) -> int:
    """Brevo's smsCount, approximated: 160/153 characters per SMS, or 70/67 in unicode."""
    single, multi = (70, 67) if unicode else (160, 153)
    return 1 if len(content) <= single else math.ceil(len(content) / multi)


def _accepted(message_id: int, segments: int) -> dict[str, Any]:
    return {
        "reference": f"ref{message_id:x}",
        "messageId": message_id,
        "smsCount": segments,
        "usedCredits": round(0.045 * segments, 3),
        "remainingCredits": 82.85,
    }


def started_twin() -> Iterator[BrevoSmsTwin]:
    """For fixtures: a started twin, closed afterwards."""
    twin = BrevoSmsTwin()
    try:
        yield twin
    finally:
        twin.close()
