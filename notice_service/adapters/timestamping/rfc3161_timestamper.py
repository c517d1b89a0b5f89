"""RFC 3161 time-stamping over HTTP: the ``TimeStamper`` port's real adapter, with failover.

``HttpTimeStamper`` asks one or more time-stamping authorities (TSAs), in order, for a token over the
SHA-256 of the exact bytes given, with a random nonce and ``certReq``. Every token is verified at once,
before it is returned: the imprint is the digest we sent, the nonce is echoed, the CMS signature is valid,
the signer certificate carries the (critical) ``timeStamping`` extended key usage and chains to one of
the configured trust roots. A TSA that is unreachable, refuses, or answers a token that does not verify
is skipped for the next one; when none succeeds, ``TimeStampFailed`` names each URL and its reason.

The trust-root loading (DER or PEM, bundles allowed) is also used by the PyHanko signer.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import requests
from asn1crypto import algos, cms, core, pem, tsp, x509
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from notice_service.errors import ConfigurationError, TimeStampFailed
from notice_service.ports import TimeStampToken

_QUERY_TYPE = "application/timestamp-query"
_GRANTED = {"granted", "granted_with_mods"}
T = TypeVar("T")


def load_trust_roots(blobs: Sequence[bytes]) -> list[x509.Certificate]:
    """Parse trust anchors given as DER or PEM bytes (a PEM blob may hold several certificates)."""
    roots: list[x509.Certificate] = []
    for blob in blobs:
        ders = [der for _, _, der in pem.unarmor(blob, multiple=True)] if pem.detect(blob) else [blob]
        for der in ders:
            try:
                root = x509.Certificate.load(der)
                root.native  # noqa: B018 - asn1crypto parses lazily; force it so bad input fails here
            except (ValueError, TypeError) as exc:
                raise ConfigurationError(f"A configured trust root is not a DER or PEM certificate: {exc}") from exc
            roots.append(root)
    return roots


class HttpTimeStamper:
    """Obtains verified RFC 3161 tokens from the first TSA in ``urls`` that answers a valid one."""

    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        trust_roots: Sequence[bytes],
        timeout: float = 10.0,
    ) -> None:
        self._urls = (urls,) if isinstance(urls, str) else tuple(urls)
        if not self._urls:
            raise ConfigurationError("HttpTimeStamper needs at least one TSA URL.")
        roots = load_trust_roots(trust_roots)
        if not roots:
            raise ConfigurationError("HttpTimeStamper needs at least one trust root to verify tokens.")
        self._checker = TokenChecker.from_roots(roots)
        self._timeout = timeout

    @property
    def urls(self) -> tuple[str, ...]:
        return self._urls

    def timestamp(self, data: bytes) -> TimeStampToken:
        """A verified token over SHA-256(``data``); ``TimeStampFailed`` when no TSA gives one."""
        if not isinstance(data, bytes):
            raise TimeStampFailed(f"The data to time-stamp must be bytes, not {type(data).__name__}.")
        digest = hashlib.sha256(data).digest()
        return asyncio.run(first_tsa_answer(self._urls, lambda url: self._timestamp_at(url, digest)))

    async def _timestamp_at(self, url: str, digest: bytes) -> TimeStampToken:
        nonce = secrets.randbits(63) | 1
        response = post_time_stamp_request(url, _build_request(digest, nonce), self._timeout)
        token, tst_info = await check_reply(url, response, ExpectedToken(digest, "sha256", nonce), self._checker)
        return TimeStampToken(
            token_der=token.dump(),
            gen_time=tst_info["gen_time"].native.astimezone(UTC),
            tsa_url=url,
            serial_number=tst_info["serial_number"].native,
            certificates_der=tuple(choice.chosen.dump() for choice in token["content"]["certificates"]),
        )


async def first_tsa_answer(urls: Sequence[str], attempt: Callable[[str], Awaitable[T]]) -> T:
    """The TSA failover loop (the only one): ``attempt`` each URL in order and answer the first success;
    ``TimeStampFailed`` naming every URL's failure when none succeeds. Used by ``HttpTimeStamper`` and by the
    PAdES signer's pyHanko time-stamp client."""
    failures: list[str] = []
    for url in urls:
        try:
            return await attempt(url)
        except TimeStampFailed as exc:
            failures.append(exc.detail)
    raise TimeStampFailed(
        "No time-stamping authority produced a valid token: " + " | ".join(failures),
        extra={"tsa_urls": list(urls)},
    )


@dataclass(frozen=True)
class ExpectedToken:
    """What the request asked for: the token must carry this imprint (digest and algorithm) and nonce."""

    digest: bytes
    algorithm: str
    nonce: int | None


@dataclass(frozen=True)
class TokenChecker:
    """How a token's CMS signature is judged: against these trust roots, or (no roots, PAdES B-T without
    them) for integrity only."""

    context: ValidationContext
    require_trust: bool = True

    @classmethod
    def from_roots(cls, roots: Sequence[x509.Certificate]) -> TokenChecker:
        return cls(ValidationContext(trust_roots=list(roots), allow_fetching=False), require_trust=bool(roots))


async def check_reply(
    url: str, response: tsp.TimeStampResp, expected: ExpectedToken, checker: TokenChecker
) -> tuple[cms.ContentInfo, tsp.TSTInfo]:
    """Everything a reply must satisfy before a token is used: granted, a SignedData over a TSTInfo with the
    requested imprint and nonce and a genTime, a signature that verifies, a critical timeStamping EKU, and a
    chain to a trust root (when roots are configured); ``TimeStampFailed`` naming the TSA otherwise."""
    token = _granted_token(url, response)
    tst_info = _verify_content(url, token, expected)
    await _verify_signature(url, token["content"], expected.digest, checker)
    return token, tst_info


def post_time_stamp_request(url: str, request: tsp.TimeStampReq, timeout: float) -> tsp.TimeStampResp:
    """POST an RFC 3161 request to one TSA and parse its reply; ``TimeStampFailed`` saying what went wrong."""
    try:
        answer = requests.post(url, data=request.dump(), headers={"Content-Type": _QUERY_TYPE}, timeout=timeout)
    except requests.RequestException as exc:
        raise TimeStampFailed(f"TSA {url} is unreachable: {exc}") from exc
    if answer.status_code != 200:
        raise TimeStampFailed(f"TSA {url} answered HTTP {answer.status_code} instead of a time-stamp reply")
    _refuse_unless_granted(url, answer.content)
    try:
        response = tsp.TimeStampResp.load(answer.content)
        response.native  # noqa: B018 - force the lazy parse so malformed replies fail here
    except (ValueError, TypeError) as exc:
        raise TimeStampFailed(f"TSA {url} answered something that is not an RFC 3161 reply: {exc}") from exc
    return response


async def _verify_signature(url: str, signed_data: cms.SignedData, digest: bytes, checker: TokenChecker) -> None:
    try:
        kwargs: dict[str, Any] = await validate_tst_signed_data(signed_data, checker.context, lambda _algo: digest)
    except (ValueError, KeyError, TypeError) as exc:  # e.g. no signer certificate in the token
        raise TimeStampFailed(f"TSA {url} sent a token whose signature cannot be checked: {exc}") from exc
    status = TimestampSignatureStatus(**kwargs)
    if not (status.intact and status.valid):
        raise TimeStampFailed(f"TSA {url} sent a token whose CMS signature does not verify")
    _check_time_stamping_eku(url, status.signing_cert)
    if checker.require_trust and not status.trusted:
        raise TimeStampFailed(
            f"TSA {url} sent a token signed by {status.signing_cert.subject.human_friendly!r}, whose "
            f"certificate does not chain to a configured trust root ({status.trust_problem_indic})"
        )


def _build_request(digest: bytes, nonce: int) -> tsp.TimeStampReq:
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )


class _StatusOnly(core.Sequence):  # type: ignore[misc]  # asn1crypto ships no type hints
    """A ``TimeStampResp`` read for its status alone: asn1crypto's own class requires the token, which a
    refusal (RFC 3161 §2.4.2) does not carry."""

    _fields: ClassVar = [("status", tsp.PKIStatusInfo), ("time_stamp_token", core.Any, {"optional": True})]


def _refuse_unless_granted(url: str, reply: bytes) -> None:
    """``TimeStampFailed`` with the TSA's own reason (status text and failInfo) when it refused."""
    try:
        status = _StatusOnly.load(reply)["status"]
        granted = status["status"].native in _GRANTED
    except (ValueError, TypeError) as exc:
        raise TimeStampFailed(f"TSA {url} answered something that is not an RFC 3161 reply: {exc}") from exc
    if not granted:
        reasons = "; ".join(status["status_string"].native or []) or "no reason given"
        failures = ", ".join(status["fail_info"].native or []) or "none"
        raise TimeStampFailed(
            f"TSA {url} refused the request ({status['status'].native}): {reasons}; failInfo {failures}"
        )


def _granted_token(url: str, response: tsp.TimeStampResp) -> cms.ContentInfo:
    _refuse_unless_granted(url, response.dump())
    token = response["time_stamp_token"]
    if not isinstance(token, cms.ContentInfo) or token["content_type"].native != "signed_data":
        raise TimeStampFailed(f"TSA {url} granted the request but sent no SignedData token")
    return token


def _verify_content(url: str, token: cms.ContentInfo, expected: ExpectedToken) -> tsp.TSTInfo:
    encapsulated = token["content"]["encap_content_info"]
    if encapsulated["content_type"].native != "tst_info":
        raise TimeStampFailed(f"TSA {url} sent a token that does not encapsulate a TSTInfo")
    tst_info: tsp.TSTInfo = encapsulated["content"].parsed
    imprint = tst_info["message_imprint"]
    algorithm, digest = imprint["hash_algorithm"]["algorithm"].native, imprint["hashed_message"].native
    if algorithm != expected.algorithm or digest != expected.digest:
        raise TimeStampFailed(f"TSA {url} sent a token over another message imprint than the one requested")
    if expected.nonce is not None and tst_info["nonce"].native != expected.nonce:
        raise TimeStampFailed(f"TSA {url} did not echo the request nonce (possible replayed token)")
    if not isinstance(tst_info["gen_time"].native, datetime):
        raise TimeStampFailed(f"TSA {url} sent a token without a genTime")
    return tst_info


def _check_time_stamping_eku(url: str, certificate: x509.Certificate) -> None:
    extension = next(
        (ext for ext in certificate["tbs_certificate"]["extensions"] if ext["extn_id"].native == "extended_key_usage"),
        None,
    )
    if extension is None or "time_stamping" not in extension["extn_value"].native:
        raise TimeStampFailed(f"TSA {url} signed with a certificate lacking the timeStamping extended key usage")
    if not extension["critical"].native:
        raise TimeStampFailed(f"TSA {url} signed with a certificate whose timeStamping EKU is not critical")
