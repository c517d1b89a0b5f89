"""One contract for every ``WebhookSender``, against a real HTTP server on 127.0.0.1 started per test.

The receiver (stdlib ``http.server`` in threads, in the style of ``tests/functional/webhooks``) answers by
path: a status code, a redirect, an answer that comes too late, a body that stalls or trickles. Asserted:
the ``SendOutcome`` for each; the body arriving byte-exact with the Standard Webhooks headers
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature``), the signature verified both with the
``standardwebhooks`` package and by hand (HMAC-SHA256 over ``id.timestamp.body``); redirects not followed;
and loopback targets, however spelt, refused unless private targets are allowed (then reached: the
control that makes each refusal meaningful). Loopback only; every wait is bounded by short timeouts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from notice_service import __version__
from notice_service.adapters.http_webhook_sender import HttpWebhookSender
from notice_service.domain.webhook_events import EventType, envelope
from notice_service.ports import SendOutcome, WebhookSender

SECRET = "whsec_" + base64.b64encode(b"contract-suite-secret-24b").decode("ascii")
MESSAGE_ID = "msg_2Yh7yQmZ0c1pSWvWJ8kR3nXo4Ab"
READ_TIMEOUT = 0.3
CONNECT_TIMEOUT = 0.5
LONG_ANSWER = b"receiver is down: " + b"x" * 5000  # more than the 2 KiB a sender keeps
BODY = json.dumps(
    envelope(
        EventType.NOTICE_ISSUED,
        datetime(2031, 3, 30, 9, 15, tzinfo=UTC),
        {"notice_id": "N-2031-000123", "debtor": "Boulangerie Lépine", "amount": "1\u202f234,56\u00a0€"},
    ),
    ensure_ascii=False,
)

SenderFactory = Callable[[bool, float], WebhookSender]  # allow_private_targets, read timeout in seconds
SENDERS: dict[str, SenderFactory] = {
    "requests": lambda allow_private, read_timeout: HttpWebhookSender(
        allow_private_targets=allow_private, connect_timeout=CONNECT_TIMEOUT, read_timeout=read_timeout
    ),
}


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close joins the handlers; they all end once ``release`` is set


class Receiver:
    """Records every POST and answers by path: ``/status/<code>``, ``/redirect/<code>``, ``/late``,
    ``/stall`` (headers, then 3 of 100 bytes), ``/trickle`` (headers, then a byte every 0.1 s for 1.5 s)."""

    def __init__(self) -> None:
        self.received: list[Request] = []
        self.release = threading.Event()  # set at close: nothing waits longer than the test
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                try:
                    self._answer(self.path.strip("/").split("/"))
                except OSError:  # the sender gave up and closed: expected for /late, /stall and /trickle
                    self.close_connection = True

            def _answer(self, route: list[str]) -> None:
                if route[0] == "late":
                    receiver.release.wait(5)
                    self._send(200, b"too late")
                elif route[0] == "redirect":
                    self.send_response(int(route[1]))
                    self.send_header("Location", "/status/200")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif route[0] == "stall":
                    self._start_body(100)
                    receiver.release.wait(5)
                elif route[0] == "trickle":
                    self._start_body(2048)
                    deadline = time.monotonic() + 1.5
                    while time.monotonic() < deadline and not receiver.release.wait(0.1):
                        self.wfile.write(b"x")
                else:
                    status = int(route[1])
                    self._send(status, b"" if status == 204 else b"ok" if status < 300 else LONG_ANSWER)

            def _start_body(self, length: int) -> None:
                """A 200 announcing ``length`` bytes, and only the first 3 of them; the connection then closes."""
                self.send_response(200)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(b"abc")
                self.close_connection = True

            def _send(self, status: int, answer: bytes) -> None:
                self.send_response(status)
                if status != 204:
                    self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_port)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.close()


@pytest.fixture(params=sorted(SENDERS))
def make_sender(request: pytest.FixtureRequest) -> SenderFactory:
    return SENDERS[request.param]


@pytest.fixture
def sender(make_sender: SenderFactory) -> WebhookSender:
    return make_sender(True, READ_TIMEOUT)  # loopback receivers need private targets allowed


def assert_failed_without_answer(outcome: SendOutcome) -> None:
    assert isinstance(outcome, SendOutcome)
    assert outcome.status_code is None
    assert outcome.error
    assert not outcome.succeeded


# The body, its headers and its signature.


def test_the_body_arrives_byte_exact_with_standard_webhooks_headers(sender: WebhookSender, receiver: Receiver) -> None:
    before = int(time.time())
    outcome = sender.send(receiver.url("/status/200"), SECRET, MESSAGE_ID, BODY)
    after = int(time.time())
    assert outcome.succeeded
    [request] = receiver.received
    assert request.path == "/status/200"
    assert request.body == BODY.encode("utf-8")
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == f"notice-service/{__version__}"
    assert headers["webhook-id"] == MESSAGE_ID
    assert re.fullmatch(r"[0-9]+", headers["webhook-timestamp"])
    assert before <= int(headers["webhook-timestamp"]) <= after  # the wall clock: receivers compare it with theirs
    assert re.fullmatch(r"v1,[A-Za-z0-9+/]+={0,2}", headers["webhook-signature"])


def test_the_signature_verifies_with_the_standardwebhooks_library(sender: WebhookSender, receiver: Receiver) -> None:
    sender.send(receiver.url("/status/200"), SECRET, MESSAGE_ID, BODY)
    [request] = receiver.received
    assert Webhook(SECRET).verify(request.body, request.headers) == json.loads(BODY)
    other_secret = "whsec_" + base64.b64encode(b"another-secret-of-24-byte").decode("ascii")
    with pytest.raises(WebhookVerificationError):
        Webhook(other_secret).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(request.body.replace(b"1\xe2\x80\xaf234", b"9\xe2\x80\xaf234"), request.headers)


def test_the_signature_is_hmac_sha256_over_id_timestamp_and_body(sender: WebhookSender, receiver: Receiver) -> None:
    """Computed by hand from the Standard Webhooks specification, independently of the library that signs."""
    sender.send(receiver.url("/status/200"), SECRET, MESSAGE_ID, BODY)
    [request] = receiver.received
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode() + request.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")
    assert request.headers["webhook-signature"].split(" ") == [f"v1,{expected}"]


# The outcome of each kind of answer.


@pytest.mark.parametrize(("status", "excerpt"), [(200, "ok"), (202, "ok"), (204, "")])
def test_a_2xx_is_a_success(sender: WebhookSender, receiver: Receiver, status: int, excerpt: str) -> None:
    outcome = sender.send(receiver.url(f"/status/{status}"), SECRET, MESSAGE_ID, BODY)
    assert outcome.status_code == status
    assert outcome.error is None
    assert outcome.succeeded
    assert outcome.response_excerpt == excerpt
    assert 0 <= outcome.duration_ms < 5000


@pytest.mark.parametrize("status", [400, 401, 404, 410, 500, 502, 503])
def test_a_4xx_or_5xx_is_a_failure_with_its_code_and_the_first_2_kib(
    sender: WebhookSender, receiver: Receiver, status: int
) -> None:
    outcome = sender.send(receiver.url(f"/status/{status}"), SECRET, MESSAGE_ID, BODY)
    assert outcome.status_code == status
    assert outcome.error is None  # an HTTP answer came back: the code says what went wrong
    assert not outcome.succeeded
    assert outcome.response_excerpt == LONG_ANSWER[:2048].decode("ascii")
    assert len(receiver.received) == 1


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_a_failure_and_is_not_followed(sender: WebhookSender, receiver: Receiver, status: int) -> None:
    outcome = sender.send(receiver.url(f"/redirect/{status}"), SECRET, MESSAGE_ID, BODY)
    assert outcome.status_code == status
    assert not outcome.succeeded
    assert [r.path for r in receiver.received] == [f"/redirect/{status}"]  # /status/200 never asked


@pytest.mark.parametrize("path", ["/late", "/stall"])
def test_an_answer_slower_than_the_read_timeout_is_a_failure(
    sender: WebhookSender, receiver: Receiver, path: str
) -> None:
    started = time.monotonic()
    outcome = sender.send(receiver.url(path), SECRET, MESSAGE_ID, BODY)
    elapsed = time.monotonic() - started
    assert_failed_without_answer(outcome)
    assert outcome.error is not None and "timed out" in outcome.error.lower()
    assert READ_TIMEOUT * 0.8 <= elapsed < READ_TIMEOUT + 2
    assert READ_TIMEOUT * 800 <= outcome.duration_ms <= elapsed * 1000 + 1


def test_a_trickling_answer_is_cut_off_by_the_timeouts(sender: WebhookSender, receiver: Receiver) -> None:
    started = time.monotonic()
    outcome = sender.send(receiver.url("/trickle"), SECRET, MESSAGE_ID, BODY)
    assert time.monotonic() - started < CONNECT_TIMEOUT + READ_TIMEOUT + 0.5, outcome
    assert not outcome.succeeded


def test_a_refused_connection_is_a_failure_without_answer(sender: WebhookSender) -> None:
    with socket.socket() as probe:  # nobody listens once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    outcome = sender.send(f"http://127.0.0.1:{port}/hooks", SECRET, MESSAGE_ID, BODY)
    assert_failed_without_answer(outcome)
    assert time.monotonic() - started < CONNECT_TIMEOUT + 1


# Private targets: refused unless allowed, however the loopback address is spelt.

LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "LocalHost",
    "127.1",
    "2130706433",
    "0x7f000001",
    "[::ffff:127.0.0.1]",
    "0",
    "0.0.0.0",  # noqa: S104 — a target to refuse, not an address to bind
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_a_loopback_target_is_refused_unless_private_targets_are_allowed(
    make_sender: SenderFactory, receiver: Receiver, host: str
) -> None:
    outcome = make_sender(False, READ_TIMEOUT).send(receiver.url("/status/200", host), SECRET, MESSAGE_ID, BODY)
    assert_failed_without_answer(outcome)
    assert receiver.received == []  # refused before any request, not failed after one


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_the_same_target_is_reached_when_private_targets_are_allowed(
    make_sender: SenderFactory, receiver: Receiver, host: str
) -> None:
    outcome = make_sender(True, READ_TIMEOUT).send(receiver.url("/status/200", host), SECRET, MESSAGE_ID, BODY)
    assert outcome.succeeded, outcome
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/hooks", "http:///no-host", "http://user:pass@127.0.0.1/hooks", "not a url"]
)
def test_an_unacceptable_url_is_a_failure_without_request(make_sender: SenderFactory, url: str) -> None:
    assert_failed_without_answer(make_sender(True, READ_TIMEOUT).send(url, SECRET, MESSAGE_ID, BODY))
