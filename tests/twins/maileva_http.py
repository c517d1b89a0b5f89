"""The HTTP side of the Maileva twin (``tests/twins/maileva.py``): routes, bodies, faults, the lost answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from notice_service.adapters.postal.maileva_wire import TOKEN_PATH
from tests.twins.maileva import API_PREFIX, Refused, _multipart

if TYPE_CHECKING:
    from tests.twins.maileva import MailevaTwin

SENDING = re.compile(r"^/sendings/([^/]+)$")
SUB = re.compile(r"^/sendings/([^/]+)/(documents|recipients|submit)$")
DOWNLOAD = re.compile(r"^/sendings/([^/]+)/recipients/([^/]+)/(download_[a-z_]+)$")


def _route(twin: MailevaTwin, method: str, path: str, query: dict[str, str], body: bytes, ctype: str) -> Any:
    """The answer of one API call: ``(status, JSON or bytes)``; ``Refused`` for a documented refusal."""
    if path == "/sendings":
        return (201, twin.create(_json(body))) if method == "POST" else (200, twin.listing(query))
    if matched := SENDING.match(path):
        if method == "DELETE":
            twin.delete(matched.group(1))
            return 204, b""
        return 200, twin._by_id(matched.group(1)).view()
    if matched := SUB.match(path):
        sending_id, what = matched.groups()
        if what == "submit" and method == "POST":
            twin.submit(sending_id)
            return 200, b""
        if method == "GET":
            sending = twin._by_id(sending_id)
            items = sending.documents if what == "documents" else sending.recipients
            return 200, {what: list(items), "paging": {"total_results": len(items)}}
        if what == "documents":
            return 201, twin.add_document(sending_id, _multipart(ctype, body))
        return 201, twin.add_recipient(sending_id, _json(body))
    if (matched := DOWNLOAD.match(path)) and method == "GET":
        return 200, twin.download(*matched.groups())
    raise Refused(404, "NOT_FOUND", f"no route {method} {path}")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except json.JSONDecodeError:
        raise Refused(400, "UNEXPECTED_NOT_VALID_ERROR", "the body is not JSON") from None


def handler(twin: MailevaTwin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _reply(self, status: int, body: Any, extra: dict[str, str] | None = None) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header(
                "Content-Type", "application/pdf" if isinstance(body, bytes) and body else "application/json"
            )
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            twin.requests.append((method, url.path))
            fault = twin.fault()
            path_fault = twin.path_fault(method, url.path)
            fault = fault or ((path_fault, None) if path_fault is not None else None)
            if fault is not None:
                status, retry_after = fault
                extra = {"Retry-After": str(int(retry_after))} if retry_after is not None else None
                return self._reply(status, {"errors": [{"code": f"HTTP_{status}", "message": "twin fault"}]}, extra)
            try:
                if url.path == TOKEN_PATH and method == "POST":
                    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
                    return self._reply(200, twin.token(form))
                if url.path == TOKEN_PATH:
                    raise Refused(405, "METHOD_NOT_ALLOWED")
                return self._api(method, url.path, url.query, body)
            except Refused as refused:
                if url.path == TOKEN_PATH:
                    return self._reply(refused.status, {"error": refused.code, "error_description": refused.message})
                return self._reply(refused.status, {"errors": [{"code": refused.code, "message": refused.message}]})

        def _api(self, method: str, path: str, raw_query: str, body: bytes) -> None:
            if not path.startswith(API_PREFIX):
                raise Refused(404, "NOT_FOUND")
            twin.authenticate(self.headers.get("Authorization", ""))
            query = {k: v[0] for k, v in parse_qs(raw_query).items()}
            ctype = self.headers.get("Content-Type", "")
            status, answer = _route(twin, method, path[len(API_PREFIX) :], query, body, ctype)
            if method == "POST" and twin.take_drop(path):
                self.close_connection = True
                self.connection.shutdown(2)  # done, then the answer is lost
                return None
            return self._reply(status, answer)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler


def running_twin() -> Iterator[MailevaTwin]:
    from tests.twins.maileva import MailevaTwin

    twin = MailevaTwin().start()
    try:
        yield twin
    finally:
        twin.close()
