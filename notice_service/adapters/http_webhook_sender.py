"""``HttpWebhookSender``: POSTs Standard Webhooks signed events over a connection pinned to the checked address.

Headers ``webhook-id``, ``webhook-timestamp`` (the wall clock: receivers compare it with theirs) and
``webhook-signature`` (``v1,<base64 HMAC-SHA256>``, from the ``standardwebhooks`` package).

The target's host name is resolved **once**; unless private targets are allowed (an explicit test or embedded
setting), the attempt is refused when any of its addresses is private, loopback, link-local, multicast,
reserved or site-local, IPv4 or IPv6, including IPv4 addresses carried inside IPv6 ones (mapped, NAT64, 6to4,
Teredo). The TCP connection then goes to the first of those checked addresses and never through a second
resolution, so a DNS server that changes its answer between the check and the connect (DNS rebinding) cannot
steer it elsewhere. The ``Host`` header, TLS SNI and the certificate check all use the URL's host name.

Redirects are not followed (a 3xx is a failed attempt); only the first 2 KiB of the answer is read, undecoded
(nothing is decompressed), and the rest is never read. Every attempt ends by connect + read timeout in total:
a watchdog shuts the socket when that time is up, however slowly the receiver trickles its headers or body.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPException
from urllib.parse import urlsplit

import certifi
from standardwebhooks.webhooks import Webhook
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.exceptions import HTTPError as TransportError
from urllib3.response import BaseHTTPResponse

from notice_service import __version__
from notice_service.domain.webhook_events import is_public_address, target_problem
from notice_service.ports import SendOutcome

EXCERPT_BYTES = 2048

#: ``(host, port)`` → the addresses the host name resolves to (injectable: tests answer differently each call).
Resolver = Callable[[str, int], Sequence[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order, each once."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class PinnedTarget:
    """Where one attempt goes: the URL's host name (Host header, SNI, certificate) and the checked address."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def _pinned_socket(connection: HTTPConnection, address: str) -> socket.socket:
    try:
        sock = socket.create_connection((address, connection.port), connection.timeout)
    except TimeoutError as exc:
        raise ConnectTimeoutError(
            connection, f"Connection to {connection.host} ({address}) timed out. (connect timeout)"
        ) from exc
    except OSError as exc:
        raise NewConnectionError(connection, f"Failed to connect to {connection.host} ({address}): {exc}") from exc
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _PinnedHTTPConnection(HTTPConnection):
    pinned_address = ""

    def _new_conn(self) -> socket.socket:
        return _pinned_socket(self, self.pinned_address)


class _PinnedHTTPSConnection(HTTPSConnection):
    pinned_address = ""

    def _new_conn(self) -> socket.socket:
        return _pinned_socket(self, self.pinned_address)


class HttpWebhookSender:
    def __init__(
        self,
        *,
        allow_private_targets: bool,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        resolver: Resolver = system_resolver,
        ca_file: str | None = None,
    ) -> None:
        self._allow_private = allow_private_targets
        self._connect_timeout, self._read_timeout = connect_timeout, read_timeout
        self._resolve = resolver
        self._ca_file = ca_file or certifi.where()

    def pin(self, url: str) -> PinnedTarget | str:
        """The target of ``url`` with the one address it will be sent to, or why it is refused."""
        problem = target_problem(url, self._allow_private)
        if problem is not None:
            return problem
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = list(self._resolve(host, port))
        except (OSError, UnicodeError) as exc:
            return f"cannot resolve {host}: {exc}"
        if not addresses:
            return f"{host} resolves to no address"
        refused = sorted({a for a in addresses if not is_public_address(a)})
        if refused and not self._allow_private:
            return f"{host} resolves to refused addresses {', '.join(refused)}"
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return PinnedTarget(parts.scheme, host, port, addresses[0], path)

    def send(self, url: str, secret: str, message_id: str, body: str) -> SendOutcome:
        started = time.monotonic()
        target = self.pin(url)
        if isinstance(target, str):
            return SendOutcome(None, 0, f"target refused: {target}")
        sent_at = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": f"notice-service/{__version__}",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
        }
        connection = self._connection(target)
        limit = self._connect_timeout + self._read_timeout
        cut = threading.Event()
        watchdog = threading.Timer(max(0.0, started + limit - time.monotonic()), _cut, (connection, cut))
        watchdog.start()
        try:
            status, excerpt = self._exchange(connection, target, headers, body.encode("utf-8"))
        except (TransportError, HTTPException, OSError, ValueError) as exc:
            if cut.is_set():
                return SendOutcome(None, _elapsed_ms(started), f"ReadTimeout: the answer took longer than {limit:g} s")
            return SendOutcome(None, _elapsed_ms(started), f"{type(exc).__name__}: {exc}"[:1000])
        finally:
            watchdog.cancel()
            connection.close()
        if cut.is_set():
            return SendOutcome(None, _elapsed_ms(started), f"ReadTimeout: the answer took longer than {limit:g} s")
        return SendOutcome(status, _elapsed_ms(started), None, excerpt.decode("utf-8", errors="replace"))

    def _connection(self, target: PinnedTarget) -> HTTPConnection:
        connection: _PinnedHTTPConnection | _PinnedHTTPSConnection
        if target.scheme == "https":
            connection = _PinnedHTTPSConnection(
                target.host, target.port, timeout=self._connect_timeout, cert_reqs="CERT_REQUIRED",
                ca_certs=self._ca_file, server_hostname=target.host, assert_hostname=target.host,
            )  # fmt: skip
        else:
            connection = _PinnedHTTPConnection(target.host, target.port, timeout=self._connect_timeout)
        connection.pinned_address = target.address
        return connection

    def _exchange(
        self, connection: HTTPConnection, target: PinnedTarget, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(self._read_timeout)
        connection.request("POST", target.path, body=body, headers=headers, preload_content=False, decode_content=False)
        response = connection.getresponse()
        return response.status, _read_excerpt(response)


def _cut(connection: HTTPConnection, cut: threading.Event) -> None:
    """The watchdog: the attempt's time is up, whatever it is waiting for."""
    cut.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _read_excerpt(response: BaseHTTPResponse) -> bytes:
    """The first ``EXCERPT_BYTES`` of the answer, read in small chunks (what has arrived each time)."""
    chunks: list[bytes] = []
    size = 0
    while size < EXCERPT_BYTES:
        chunk = response.read1(EXCERPT_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
