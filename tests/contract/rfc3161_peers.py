"""RFC 3161 peers for the time-stamp contracts: raw requests to the certomancer TSA, and a misbehaving TSA.

``time_stamp_response`` asks a real TSA for a ``TimeStampResp`` over HTTP without going through any adapter, so
the verifier's suite does not depend on the stamper's. ``RogueTsa`` is a real HTTP server on loopback standing
for a TSA that answers wrongly (garbage, a refusal, a token over other bytes, a token for another request's
nonce, a token without its certificates, a tampered signature): every misbehaviour but the canned answers
(garbage, empty, refusal, granted without token) is a real token from the upstream certomancer TSA, altered on the
way. ``failing_tsa_url`` names every way of failing the suites sweep. Nothing of the service is mocked.
"""

from __future__ import annotations

import hashlib
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from asn1crypto import cms, tsp

from tests.services.tsa import TsaService

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"


def time_stamp_request(data: bytes, *, nonce: int | None = None) -> tsp.TimeStampReq:
    """A SHA-256 ``TimeStampReq`` over ``data``, asking for the TSA's certificate."""
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(data).digest(),
            },
            "nonce": secrets.randbits(63) | 1 if nonce is None else nonce,
            "cert_req": True,
        }
    )


def post_request(url: str, request: tsp.TimeStampReq) -> bytes:
    """The DER ``TimeStampResp`` a TSA answers to ``request``; raises on any HTTP status but 200."""
    answer = requests.post(url, data=request.dump(), headers={"Content-Type": QUERY}, timeout=10)
    answer.raise_for_status()
    return answer.content


def time_stamp_response(url: str, data: bytes) -> bytes:
    """A real ``TimeStampResp`` (DER) by the TSA at ``url`` over SHA-256 of ``data``."""
    return post_request(url, time_stamp_request(data))


def signature_offset(response: bytes) -> int:
    """Where, in ``response``, the middle byte of the token's signature value lies."""
    signer_info = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]["signer_infos"][0]
    signature: bytes = signer_info["signature"].native
    return response.index(signature) + len(signature) // 2


def with_flipped_signature(response: bytes) -> bytes:
    """``response`` with one bit of the token's signature value flipped (the DER structure stays valid)."""
    altered = bytearray(response)
    altered[signature_offset(response)] ^= 0x01
    return bytes(altered)


def _response_without_token(status: tsp.PKIStatusInfo) -> bytes:
    """``TimeStampResp ::= SEQUENCE { status, timeStampToken OPTIONAL }`` with the token left out (asn1crypto
    declares the token mandatory, so the SEQUENCE is written by hand)."""
    return _sequence(status.dump())


def refusal(status: str = "rejection", text: str = "request refused", fail_info: str = "bad_alg") -> bytes:
    """A ``TimeStampResp`` refusing the request, without token."""
    return _response_without_token(
        tsp.PKIStatusInfo({"status": status, "status_string": [text], "fail_info": tsp.PKIFailureInfo({fail_info})})
    )


def granted_without_token() -> bytes:
    return _response_without_token(tsp.PKIStatusInfo({"status": "granted"}))


def without_certificates(response: bytes) -> bytes:
    """``response`` with the token's ``certificates`` removed (they are outside the signature, which stays valid):
    what a TSA that ignores ``certReq`` answers. certomancer always embeds them, so they are taken out here."""
    signed_data = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"].copy()
    del signed_data["certificates"]
    token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    granted = tsp.PKIStatusInfo({"status": "granted"}).dump()
    return _sequence(granted + token.dump())


def _sequence(body: bytes) -> bytes:
    """A DER SEQUENCE around ``body``."""
    if len(body) < 0x80:
        return bytes([0x30, len(body)]) + body
    length = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([0x30, 0x80 | len(length)]) + length + body


def bare_token(response: bytes) -> bytes:
    """The ``TimeStampToken`` (CMS ContentInfo) inside ``response``, without its ``TimeStampResp`` wrapper."""
    token: bytes = tsp.TimeStampResp.load(response)["time_stamp_token"].dump()
    return token


Behaviour = Callable[[tsp.TimeStampReq, str], bytes]
"""What the rogue TSA answers (HTTP 200) to a request, given the upstream TSA's URL."""


def _imprint_of_other_bytes(request: tsp.TimeStampReq, upstream: str) -> bytes:
    other = time_stamp_request(b"other bytes than the ones asked for", nonce=request["nonce"].native)
    return post_request(upstream, other)


def _other_nonce(request: tsp.TimeStampReq, upstream: str) -> bytes:
    changed = request.copy()
    changed["nonce"] = request["nonce"].native + 1
    return post_request(upstream, changed)


def _without_certificates(request: tsp.TimeStampReq, upstream: str) -> bytes:
    return without_certificates(post_request(upstream, request))


BEHAVIOURS: dict[str, Behaviour] = {
    "garbage": lambda _request, _upstream: b"this is not an RFC 3161 reply",
    "empty": lambda _request, _upstream: b"",
    "refusal": lambda _request, _upstream: refusal(),
    "granted-without-token": lambda _request, _upstream: granted_without_token(),
    "bare-token": lambda request, upstream: bare_token(post_request(upstream, request)),
    "truncated": lambda request, upstream: post_request(upstream, request)[:-40],
    "imprint-of-other-bytes": _imprint_of_other_bytes,
    "other-nonce": _other_nonce,
    "without-certificates": _without_certificates,
    "flipped-signature": lambda request, upstream: with_flipped_signature(post_request(upstream, request)),
}


class RogueTsa:
    """A loopback HTTP server answering ``POST /<behaviour>`` as ``BEHAVIOURS[behaviour]`` does."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"

    def url(self, behaviour: str) -> str:
        if behaviour not in BEHAVIOURS:
            raise KeyError(behaviour)
        return f"{self.base_url}/{behaviour}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        rogue = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                behaviour = BEHAVIOURS.get(self.path.strip("/"))
                if behaviour is None:
                    self.send_error(404)
                    return
                answer = behaviour(tsp.TimeStampReq.load(body), rogue.upstream)
                self.send_response(200)
                self.send_header("Content-Type", REPLY)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                """No access log in the test output."""

        return Handler

    @contextmanager
    def running(self) -> Iterator[RogueTsa]:
        thread = threading.Thread(target=self._server.serve_forever, name="rogue-tsa", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)


def unreachable_url() -> str:
    """A loopback port nothing listens on (bound, then released): connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


OTHER_FAILURES = ("unreachable", "not-found", "not-a-url", "untrusted-tsa", "expired-tsa")
"""Failures of real TSAs (or of no TSA at all), beside the rogue ``BEHAVIOURS``."""


def failing_tsa_url(failure: str, tsa: TsaService, rogue: RogueTsa) -> str:
    """A URL where a time-stamp request fails as ``failure`` says: a ``BEHAVIOURS`` key or an ``OTHER_FAILURES``
    one (nobody listening, an HTTP 404, not a URL, certomancer's TSA under an unrelated root, its TSA whose
    certificate has expired)."""
    if failure in BEHAVIOURS:
        return rogue.url(failure)
    if failure == "unreachable":
        return unreachable_url()
    if failure == "not-found":
        return f"{tsa.base_url}/no-tsa-here"
    if failure == "not-a-url":
        return "not a url"
    if failure == "untrusted-tsa":
        return tsa.unrelated_url
    if failure == "expired-tsa":
        return tsa.expired_tsa_url
    raise KeyError(failure)
