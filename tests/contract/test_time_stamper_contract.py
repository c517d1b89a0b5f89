"""The ``TimeStamper`` contract: what the checkpoint and dossier use cases rely on, for every time-stamping client.

``STAMPERS`` maps a name to a factory ``(urls, trust_roots) -> TimeStamper``: today ``HttpTimeStamper`` (RFC 3161
over HTTP, failing over between URLs); another client joins by adding an entry. Tests go through the port and the
factory only. The TSA is certomancer's, over HTTP on loopback; ``RogueTsa`` (``rfc3161_peers``) stands for TSAs
that answer wrongly. Every test is marked ``tsa``.

* a token is over SHA-256 of exactly the bytes given (any bytes, empty included): its message imprint says so, and
  ``openssl ts -verify`` accepts it over those bytes and refuses it over others, as a bare token and wrapped in the
  ``TimeStampResp`` the use cases archive (``time_stamp_response``);
* its facts are the token's: genTime (aware, UTC, within the call), serial number, the TSA that answered, and the
  certificates it carries include the one that signed it;
* a TSA that is unreachable, refuses, answers garbage or a token that is not for this request or does not verify
  under the trust roots makes ``timestamp`` raise ``TimeStampFailed`` naming it, and the next URL is tried;
* what is not bytes is a ``TimeStampFailed`` too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import cms, tsp

from notice_service.adapters.timestamping.rfc3161_timestamper import HttpTimeStamper
from notice_service.domain.audit.evidence import time_stamp_response
from notice_service.errors import TimeStampFailed
from notice_service.ports import TimeStamper, TimeStampToken
from tests.contract.independent_checks import needs, openssl_ts_verified, openssl_ts_verify
from tests.contract.rfc3161_peers import BEHAVIOURS, OTHER_FAILURES, RogueTsa, failing_tsa_url, unreachable_url
from tests.contract.support import CallWindow, call_window, our_frames_only
from tests.services.tsa import TsaService

pytestmark = pytest.mark.tsa

StamperFactory = Callable[[Sequence[str], Sequence[bytes]], TimeStamper]
STAMPERS: dict[str, StamperFactory] = {
    "http": lambda urls, roots: HttpTimeStamper(list(urls), trust_roots=list(roots), timeout=5),
}
MANIFEST = b'{"case_id": "c-1", "files": [{"path": "bordereau.pdf", "sha256": "00"}]}\n'
BINARY = bytes(range(256)) * 3 + b"\r\n\x00"


@pytest.fixture(scope="module", params=sorted(STAMPERS))
def factory(request: pytest.FixtureRequest) -> StamperFactory:
    return STAMPERS[request.param]


@pytest.fixture(scope="module")
def stamper(factory: StamperFactory, tsa: TsaService) -> TimeStamper:
    return factory([tsa.url], [tsa.root_pem])


@pytest.fixture(scope="module")
def stamped(stamper: TimeStamper) -> tuple[TimeStampToken, CallWindow]:
    """One token over ``MANIFEST`` per module, with the moments around the call."""
    with call_window() as window:
        token = stamper.timestamp(MANIFEST)
    return token, window


@pytest.fixture(scope="module")
def rogue_tsa(tsa: TsaService) -> Iterator[RogueTsa]:
    with RogueTsa(tsa.url).running() as rogue:
        yield rogue


def _tst_info(token: TimeStampToken) -> tsp.TSTInfo:
    tst_info: tsp.TSTInfo = cms.ContentInfo.load(token.token_der)["content"]["encap_content_info"]["content"].parsed
    return tst_info


# ------------------------------------------------------------------------------------------------ happy path


@pytest.mark.parametrize("data", [MANIFEST, b"", BINARY], ids=["manifest", "empty", "every-byte-value"])
def test_the_token_is_over_sha256_of_exactly_the_bytes(stamper: TimeStamper, data: bytes) -> None:
    token = stamper.timestamp(data)

    imprint = _tst_info(token)["message_imprint"]
    assert imprint["hash_algorithm"]["algorithm"].native == "sha256"
    assert imprint["hashed_message"].native == hashlib.sha256(data).digest()


def test_the_token_is_a_signed_data_content_info(stamped: tuple[TimeStampToken, CallWindow]) -> None:
    token = cms.ContentInfo.load(stamped[0].token_der)

    assert token["content_type"].native == "signed_data"
    assert token["content"]["encap_content_info"]["content_type"].native == "tst_info"
    assert token.dump() == stamped[0].token_der, "token_der is DER: it re-encodes to the same bytes"


def test_the_facts_are_the_tokens(stamped: tuple[TimeStampToken, CallWindow], tsa: TsaService) -> None:
    token, window = stamped
    tst_info = _tst_info(token)

    gen_time: datetime = tst_info["gen_time"].native
    assert token.gen_time == gen_time.astimezone(UTC)
    assert window.holds(token.gen_time), (token.gen_time, window)
    assert token.serial_number == tst_info["serial_number"].native
    assert token.tsa_url == tsa.url


def test_the_certificates_include_the_tsa_signer(stamped: tuple[TimeStampToken, CallWindow]) -> None:
    token = stamped[0]
    signer_id = cms.ContentInfo.load(token.token_der)["content"]["signer_infos"][0]["sid"].chosen
    certificates = [cms.Certificate.load(der) for der in token.certificates_der]

    assert all(cms.Certificate.load(der).dump() == der for der in token.certificates_der)
    assert any(
        c.issuer == signer_id["issuer"] and c.serial_number == signer_id["serial_number"].native for c in certificates
    ), [c.subject.human_friendly for c in certificates]


@needs("openssl")
@pytest.mark.parametrize("archived", [False, True], ids=["bare-token", "time-stamp-response"])
def test_openssl_verifies_the_token_over_the_bytes_and_not_over_others(
    stamped: tuple[TimeStampToken, CallWindow], tsa: TsaService, tmp_path: Path, archived: bool
) -> None:
    token = stamped[0]
    evidence = time_stamp_response(token.token_der) if archived else token.token_der

    right = openssl_ts_verify(tmp_path, MANIFEST, evidence, tsa.root_pem, token_only=not archived)
    wrong = openssl_ts_verify(tmp_path, MANIFEST + b" ", evidence, tsa.root_pem, token_only=not archived)
    untrusted = openssl_ts_verify(tmp_path, MANIFEST, evidence, tsa.unrelated_root_pem, token_only=not archived)

    assert openssl_ts_verified(right), right.stdout + right.stderr
    assert not openssl_ts_verified(wrong)
    assert "message imprint mismatch" in wrong.stdout + wrong.stderr
    assert not openssl_ts_verified(untrusted)


# ------------------------------------------------------------------------------------------------ failures


KNOWN_FAILURES: dict[tuple[str, str], tuple[type[BaseException], str]] = {}
"""(test, case) → (exception, reason): the contract's known breaches today, applied as strict xfails."""


def _expect_known_failure(request: pytest.FixtureRequest, test: str, case: str) -> None:
    known = KNOWN_FAILURES.get((test, case))
    if known is not None:
        request.applymarker(pytest.mark.xfail(strict=True, raises=known[0], reason=known[1]))


FAILURES = sorted([*BEHAVIOURS, *OTHER_FAILURES])


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failing_tsa_is_a_time_stamp_failure_naming_it(
    request: pytest.FixtureRequest, factory: StamperFactory, tsa: TsaService, rogue_tsa: RogueTsa, failure: str
) -> None:
    _expect_known_failure(request, "fails", failure)
    url = failing_tsa_url(failure, tsa, rogue_tsa)
    stamper = factory([url], [tsa.root_pem])

    with pytest.raises(TimeStampFailed) as caught, our_frames_only():
        stamper.timestamp(MANIFEST)

    assert url in caught.value.detail


@pytest.mark.parametrize("failure", FAILURES)
def test_the_next_tsa_is_asked_when_one_fails(
    request: pytest.FixtureRequest, factory: StamperFactory, tsa: TsaService, rogue_tsa: RogueTsa, failure: str
) -> None:
    _expect_known_failure(request, "failover", failure)
    stamper = factory([failing_tsa_url(failure, tsa, rogue_tsa), tsa.url], [tsa.root_pem])

    with our_frames_only():
        token = stamper.timestamp(MANIFEST)

    assert token.tsa_url == tsa.url
    assert _tst_info(token)["message_imprint"]["hashed_message"].native == hashlib.sha256(MANIFEST).digest()


def test_when_every_tsa_fails_each_is_named(factory: StamperFactory, tsa: TsaService, rogue_tsa: RogueTsa) -> None:
    urls = [unreachable_url(), rogue_tsa.url("garbage"), tsa.unrelated_url]

    with pytest.raises(TimeStampFailed) as caught:
        factory(urls, [tsa.root_pem]).timestamp(MANIFEST)

    assert all(url in caught.value.detail for url in urls), caught.value.detail


def test_a_refusal_is_reported_with_the_tsas_reason(
    factory: StamperFactory, tsa: TsaService, rogue_tsa: RogueTsa
) -> None:
    """RFC 3161: a refusal carries no token, and its status text is what the operator needs."""
    with pytest.raises(TimeStampFailed) as caught:
        factory([rogue_tsa.url("refusal")], [tsa.root_pem]).timestamp(MANIFEST)

    assert "request refused" in caught.value.detail, caught.value.detail


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param("a manifest", id="str"),
        pytest.param(None, id="None"),
        pytest.param(42, id="int"),
    ],
)
def test_what_is_not_bytes_is_a_time_stamp_failure(stamper: TimeStamper, wrong: object) -> None:
    with pytest.raises(TimeStampFailed):
        stamper.timestamp(wrong)  # type: ignore[arg-type]
