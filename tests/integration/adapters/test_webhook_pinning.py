"""The webhook sender's SSRF defences against real local servers (HTTP and HTTPS on 127.0.0.x).

A resolver that changes its answer between calls plays the DNS-rebinding attacker: the sender must ask it
once and connect to the address it checked. HTTPS is served with a certificate for ``hooks.example`` issued
by a CA made here: the connection to 127.0.0.1 must still send SNI ``hooks.example`` and check the certificate
against that name (a URL naming another host on the same address fails before any request). Huge and slow
answers end within the attempt's time with at most 2 KiB read. Loopback only; every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notice_service.adapters.http_webhook_sender import HttpWebhookSender, PinnedTarget

SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
BODY = '{"type": "notice.issued"}'
NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
NOT_AFTER = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)


class ScriptedResolver:
    """Answers each call with the next list of addresses (the last one again once exhausted); counts calls."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self.answers = [list(a) for a in answers]
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


class Server:
    """Records every POST (path, Host header, SNI) and answers by path: ``/ok``, ``/huge`` (50 MB announced and
    sent as fast as the socket takes it), ``/slow-headers`` (a header byte every 0.1 s), ``/redirect``."""

    def __init__(self, address: str, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[dict[str, str]] = []
        self.server_names: list[str | None] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append({"path": self.path, "host": self.headers.get("Host", "")})
                try:
                    self._answer()
                except OSError:
                    self.close_connection = True

            def _answer(self) -> None:
                if self.path == "/huge":
                    self._headers(200, 50_000_000)
                    chunk = b"y" * 65536
                    for _ in range(50_000_000 // len(chunk)):
                        if outer.release.is_set():
                            break
                        self.wfile.write(chunk)
                elif self.path == "/slow-headers":
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 100:
                        if outer.release.wait(0.1):
                            break
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    self.close_connection = True
                elif self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/ok")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._headers(200, 2)
                    self.wfile.write(b"ok")

            def _headers(self, status: int, length: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(length))
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((address, port), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: outer.server_names.append(name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def server() -> Iterator[Server]:
    started = Server("127.0.0.1")
    yield started
    started.close()


def sender(resolver: ScriptedResolver, *, allow_private: bool = True, **options: Any) -> HttpWebhookSender:
    return HttpWebhookSender(
        allow_private_targets=allow_private, connect_timeout=0.5, read_timeout=0.5, resolver=resolver, **options
    )


# DNS rebinding: one resolution, and the connection goes to the address checked.


def test_the_connection_goes_to_the_address_resolved_once_not_to_a_later_answer(server: Server) -> None:
    decoy = Server("127.0.0.2", server.port)  # the same port on another loopback address
    try:
        resolver = ScriptedResolver(["127.0.0.1"], ["127.0.0.2"])
        outcome = sender(resolver).send(f"http://hooks.example:{server.port}/ok", SECRET, "msg_1", BODY)
    finally:
        decoy.close()
    assert outcome.succeeded, outcome
    assert resolver.calls == [("hooks.example", server.port)]
    assert server.received == [{"path": "/ok", "host": f"hooks.example:{server.port}"}]
    assert decoy.received == []


def test_a_rebinding_answer_after_a_public_one_is_never_used() -> None:
    """First answer public, every later one loopback: the pinned target keeps the public address."""
    resolver = ScriptedResolver(["93.184.215.14"], ["127.0.0.1"])
    target = sender(resolver, allow_private=False).pin("https://hooks.example/in?x=1")
    assert target == PinnedTarget("https", "hooks.example", 443, "93.184.215.14", "/in?x=1")
    assert len(resolver.calls) == 1


@pytest.mark.parametrize(
    "answer",
    [
        ["93.184.215.14", "127.0.0.1"],  # one bad address among good ones is enough
        ["10.0.0.7"],
        ["172.16.3.4"],
        ["192.168.1.1"],
        ["169.254.169.254"],  # cloud metadata
        ["100.64.0.1"],  # carrier-grade NAT
        ["224.0.0.1"],
        ["240.0.0.1"],
        ["0.0.0.0"],  # noqa: S104 — a target to refuse
        ["::1"],
        ["fe80::1"],
        ["fc00::1"],
        ["fec0::1"],  # site-local (deprecated, still routed internally)
        ["ff02::1"],
        ["::ffff:127.0.0.1"],  # IPv4-mapped
        ["::ffff:10.0.0.1"],
        ["::127.0.0.1"],  # IPv4-compatible
        ["64:ff9b::7f00:1"],  # NAT64 of 127.0.0.1
        ["2002:a00:1::1"],  # 6to4 of 10.0.0.1
        ["2001:db8::1"],  # documentation
    ],
)
def test_a_host_resolving_to_any_refused_address_is_refused_before_connecting(
    server: Server, answer: list[str]
) -> None:
    resolver = ScriptedResolver(answer)
    outcome = sender(resolver, allow_private=False).send(f"http://hooks.example:{server.port}/ok", SECRET, "m", BODY)
    assert outcome.status_code is None and outcome.error is not None
    assert outcome.error.startswith("target refused: hooks.example resolves to refused addresses"), outcome.error
    assert server.received == []


def test_a_host_that_does_not_resolve_is_refused() -> None:
    def failing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    refusal = HttpWebhookSender(allow_private_targets=False, resolver=failing).pin("https://nowhere.example/")
    assert refusal == "cannot resolve nowhere.example: Name or service not known"
    empty = HttpWebhookSender(allow_private_targets=False, resolver=lambda h, p: []).pin("https://empty.example/")
    assert empty == "empty.example resolves to no address"


# TLS: SNI and the certificate are checked against the URL's host name, not the pinned address.


def _certificates(directory: Path) -> tuple[Path, ssl.SSLContext]:
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edges test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(1).not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    leaf = (
        x509.CertificateBuilder().issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(2)
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.example")]))
        .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.example")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    ca_file, chain, key = directory / "ca.pem", directory / "leaf.pem", directory / "leaf.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key)
    return ca_file, context


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    ca_file, context = _certificates(tmp_path)
    started = Server("127.0.0.1", tls=context)
    yield started, ca_file
    started.close()


def test_https_to_the_pinned_address_sends_sni_and_checks_the_certificate_for_the_host_name(
    tls_server: tuple[Server, Path],
) -> None:
    server, ca_file = tls_server
    resolver = ScriptedResolver(["127.0.0.1"])
    outcome = sender(resolver, ca_file=str(ca_file)).send(f"https://hooks.example:{server.port}/ok", SECRET, "m", BODY)
    assert outcome.succeeded, outcome
    assert server.server_names == ["hooks.example"]
    assert server.received == [{"path": "/ok", "host": f"hooks.example:{server.port}"}]


def test_https_to_a_host_the_certificate_does_not_name_fails_before_any_request(
    tls_server: tuple[Server, Path],
) -> None:
    server, ca_file = tls_server
    resolver = ScriptedResolver(["127.0.0.1"])
    outcome = sender(resolver, ca_file=str(ca_file)).send(f"https://other.example:{server.port}/ok", SECRET, "m", BODY)
    assert outcome.status_code is None and outcome.error is not None
    assert "certificate" in outcome.error.lower() or "hostname" in outcome.error.lower(), outcome.error
    assert server.received == []


def test_https_with_an_untrusted_certificate_fails_before_any_request(tls_server: tuple[Server, Path]) -> None:
    server, _ca_file = tls_server  # the default trust store (certifi) does not know the test CA
    outcome = sender(ScriptedResolver(["127.0.0.1"])).send(f"https://hooks.example:{server.port}/ok", SECRET, "m", BODY)
    assert outcome.status_code is None and outcome.error is not None and "certificate" in outcome.error.lower()
    assert server.received == []


# Redirects, huge and slow answers.


def test_a_redirect_is_not_followed(server: Server) -> None:
    outcome = sender(ScriptedResolver(["127.0.0.1"])).send(
        f"http://hooks.example:{server.port}/redirect", SECRET, "m", BODY
    )
    assert outcome.status_code == 302 and not outcome.succeeded
    assert [r["path"] for r in server.received] == ["/redirect"]


def test_a_huge_answer_is_cut_at_2_kib_without_reading_the_rest(server: Server) -> None:
    started = time.monotonic()
    outcome = sender(ScriptedResolver(["127.0.0.1"])).send(
        f"http://hooks.example:{server.port}/huge", SECRET, "m", BODY
    )
    elapsed = time.monotonic() - started
    assert outcome.status_code == 200 and outcome.response_excerpt == "y" * 2048
    assert elapsed < 1.0  # 50 MB were announced; reading them all would take far longer than the excerpt


def test_headers_trickled_byte_by_byte_are_cut_off_at_the_total_time(server: Server) -> None:
    """Each byte arrives well within the read timeout (0.1 s < 0.5 s): only the total cap (1 s) ends it."""
    started = time.monotonic()
    url = f"http://hooks.example:{server.port}/slow-headers"
    outcome = sender(ScriptedResolver(["127.0.0.1"])).send(url, SECRET, "m", BODY)
    elapsed = time.monotonic() - started
    assert outcome.status_code is None and not outcome.succeeded
    assert outcome.error == "ReadTimeout: the answer took longer than 1 s"
    assert 0.9 <= elapsed < 1.6
