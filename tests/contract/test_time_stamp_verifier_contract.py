"""The ``TimeStampVerifier`` contract: what ``audit verify`` relies on when it checks an archived token, for every
verifier.

``VERIFIERS`` maps a name to a factory ``(trust_roots) -> TimeStampVerifier``: today ``Rfc3161TokenVerifier``.
The responses are real ones from the certomancer TSA, asked for over HTTP without any adapter
(``rfc3161_peers.time_stamp_response``), and altered copies of them; ``openssl ts -verify`` is run on the same
bytes as the independent check: it must agree with every acceptance, and with every refusal it can judge.

* a granted response over the right bytes verifies: the genTime is the token's, aware, in UTC;
  ``at_gen_time`` is False for a TSA whose certificate is valid now, True for one that expired since the token
  was issued inside its validity;
* a token from the ``TimeStamper`` port, archived as the use cases archive it (``time_stamp_response``),
  verifies with the genTime the port reported;
* other bytes (one changed, appended, removed, empty), garbage, a truncated or bare token, a refusal, a broken
  signature or TSTInfo, a token without its certificates, from an untrusted TSA, or trusted under other roots
  only, or whose TSA certificate was not valid at genTime: ``ValueError`` (the port's docstring);
* what is not bytes: ``ValueError`` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import tsp

from notice_service.adapters.timestamping.rfc3161_timestamper import HttpTimeStamper
from notice_service.adapters.timestamping.rfc3161_token_verifier import Rfc3161TokenVerifier
from notice_service.domain.audit.evidence import time_stamp_response
from notice_service.ports import TimeStampVerifier, VerifiedToken
from tests.contract.independent_checks import needs, openssl_ts_verified, openssl_ts_verify
from tests.contract.rfc3161_peers import (
    bare_token,
    granted_without_token,
    refusal,
    with_flipped_signature,
    without_certificates,
)
from tests.contract.rfc3161_peers import time_stamp_response as ask_tsa
from tests.contract.support import our_frames_only
from tests.services.tsa import TsaService

pytestmark = pytest.mark.tsa

VerifierFactory = Callable[[Sequence[bytes]], TimeStampVerifier]
VERIFIERS: dict[str, VerifierFactory] = {
    "rfc3161": lambda roots: Rfc3161TokenVerifier(list(roots)),
}
NOTE = b"notice-service.example/audit/t-1\n12\nq83vEjRwAjLm2jYkW0y3oZ0Yw1sQbXk2tW6w0XQ6Cvo=\n\n\xe2\x80\x94 k AAAA\n"


@dataclass(frozen=True)
class Responses:
    """Real ``TimeStampResp`` bytes over ``NOTE``, asked for once per module."""

    good: bytes
    unrelated: bytes
    expired_since: bytes
    expired_before: bytes
    not_yet_valid: bytes


def _gen_time(response: bytes) -> datetime:
    tst_info = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]["encap_content_info"]["content"]
    gen_time: datetime = tst_info.parsed["gen_time"].native
    return gen_time.astimezone(UTC)


def _with_flipped_serial(response: bytes) -> bytes:
    """``response`` with the last byte of the TSTInfo's serial number changed: the signed content differs."""
    tst_info = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]["encap_content_info"]["content"]
    start = response.index(tst_info.contents)
    serial = tst_info.parsed["serial_number"].dump()
    at = response.index(serial, start) + len(serial) - 1
    return response[:at] + bytes([response[at] ^ 0x01]) + response[at + 1 :]


@pytest.fixture(scope="module", params=sorted(VERIFIERS))
def factory(request: pytest.FixtureRequest) -> VerifierFactory:
    return VERIFIERS[request.param]


@pytest.fixture(scope="module")
def verifier(factory: VerifierFactory, tsa: TsaService) -> TimeStampVerifier:
    return factory([tsa.root_pem])


@pytest.fixture(scope="module")
def responses(tsa: TsaService) -> Responses:
    start, end = tsa.expired_tsa_valid
    return Responses(
        good=ask_tsa(tsa.url, NOTE),
        unrelated=ask_tsa(tsa.unrelated_url, NOTE),
        expired_since=tsa.expired_tsa_token(NOTE, start + (end - start) / 2),
        expired_before=tsa.expired_tsa_token(NOTE, end + timedelta(days=2)),
        not_yet_valid=tsa.expired_tsa_token(NOTE, start - timedelta(days=2)),
    )


# ------------------------------------------------------------------------------------------------ acceptance


def test_a_token_over_the_bytes_verifies_with_its_gen_time(verifier: TimeStampVerifier, responses: Responses) -> None:
    verified = verifier.verify(NOTE, responses.good)

    assert verified == VerifiedToken(_gen_time(responses.good), at_gen_time=False)
    assert verified.gen_time.utcoffset() == timedelta(0)


@needs("openssl")
def test_openssl_agrees(responses: Responses, tsa: TsaService, tmp_path: Path) -> None:
    result = openssl_ts_verify(tmp_path, NOTE, responses.good, tsa.root_pem, token_only=False)

    assert openssl_ts_verified(result), result.stdout + result.stderr


def test_a_token_whose_tsa_certificate_expired_since_verifies_at_its_gen_time(
    verifier: TimeStampVerifier, responses: Responses, tsa: TsaService
) -> None:
    assert tsa.expired_tsa_valid[1] < _gen_time(responses.good), "the expired TSA's certificate is expired now"

    verified = verifier.verify(NOTE, responses.expired_since)

    assert verified == VerifiedToken(_gen_time(responses.expired_since), at_gen_time=True)
    assert tsa.expired_tsa_valid[0] <= verified.gen_time <= tsa.expired_tsa_valid[1]


def test_a_token_from_the_time_stamper_port_archived_as_the_use_cases_do_verifies(
    verifier: TimeStampVerifier, tsa: TsaService
) -> None:
    token = HttpTimeStamper(tsa.url, trust_roots=[tsa.root_pem]).timestamp(NOTE)

    verified = verifier.verify(NOTE, time_stamp_response(token.token_der))

    assert verified == VerifiedToken(token.gen_time, at_gen_time=False)


def test_the_same_verifier_answers_many_tokens(verifier: TimeStampVerifier, tsa: TsaService) -> None:
    """``audit verify`` checks every checkpoint of a ledger with one verifier."""
    notes = [NOTE.replace(b"\n12\n", f"\n{size}\n".encode()) for size in (13, 14, 15)]
    archived = [ask_tsa(tsa.url, note) for note in notes]

    answers = [verifier.verify(note, response) for note, response in zip(notes, archived, strict=True)]

    assert [answer.gen_time for answer in answers] == [_gen_time(response) for response in archived]
    with pytest.raises(ValueError):
        verifier.verify(notes[0], archived[1])


# ------------------------------------------------------------------------------------------------ refusals


OTHER_BYTES: dict[str, Callable[[bytes], bytes]] = {
    "one-byte-changed": lambda data: data[:5] + bytes([data[5] ^ 0x20]) + data[6:],
    "one-byte-appended": lambda data: data + b"\n",
    "last-byte-removed": lambda data: data[:-1],
    "empty": lambda _data: b"",
}


@pytest.mark.parametrize("change", sorted(OTHER_BYTES))
def test_other_bytes_are_refused(verifier: TimeStampVerifier, responses: Responses, change: str) -> None:
    with pytest.raises(ValueError):
        verifier.verify(OTHER_BYTES[change](NOTE), responses.good)


BAD_RESPONSES: dict[str, Callable[[Responses], bytes]] = {
    "empty": lambda _r: b"",
    "garbage": lambda _r: b"this is not an RFC 3161 reply",
    "truncated": lambda r: r.good[:-40],
    "first-half": lambda r: r.good[: len(r.good) // 2],
    "bare-token": lambda r: bare_token(r.good),
    "refusal": lambda _r: refusal(),
    "granted-without-token": lambda _r: granted_without_token(),
    "flipped-signature": lambda r: with_flipped_signature(r.good),
    "flipped-serial": lambda r: _with_flipped_serial(r.good),
    "without-certificates": lambda r: without_certificates(r.good),
    "untrusted-tsa": lambda r: r.unrelated,
    "gen-time-after-the-tsa-expired": lambda r: r.expired_before,
    "gen-time-before-the-tsa-was-valid": lambda r: r.not_yet_valid,
}
OPENSSL_CANNOT_JUDGE = {"gen-time-after-the-tsa-expired", "gen-time-before-the-tsa-was-valid"}
"""openssl checks the chain at the current time only (the TSA's certificate is expired now either way)."""


@pytest.mark.parametrize("bad", sorted(BAD_RESPONSES))
def test_a_bad_response_is_refused(verifier: TimeStampVerifier, responses: Responses, bad: str) -> None:
    response = BAD_RESPONSES[bad](responses)

    with pytest.raises(ValueError) as caught, our_frames_only():
        verifier.verify(NOTE, response)

    assert str(caught.value), "the ValueError names the problem"


@needs("openssl")
@pytest.mark.parametrize("bad", sorted(set(BAD_RESPONSES) - OPENSSL_CANNOT_JUDGE))
def test_openssl_refuses_the_same_responses(responses: Responses, tsa: TsaService, tmp_path: Path, bad: str) -> None:
    """The altered responses are really invalid, not merely unfamiliar to the verifier under test."""
    result = openssl_ts_verify(tmp_path, NOTE, BAD_RESPONSES[bad](responses), tsa.root_pem, token_only=False)

    assert not openssl_ts_verified(result), result.stdout


def test_a_good_token_is_refused_under_other_trust_roots(
    factory: VerifierFactory, responses: Responses, tsa: TsaService
) -> None:
    with pytest.raises(ValueError):
        factory([tsa.unrelated_root_pem]).verify(NOTE, responses.good)
    with pytest.raises(ValueError):
        factory([]).verify(NOTE, responses.good)


def test_the_unrelated_tsa_is_accepted_under_its_own_root(
    factory: VerifierFactory, responses: Responses, tsa: TsaService
) -> None:
    """The refusal of ``untrusted-tsa`` is about trust, not about a token certomancer made badly."""
    verified = factory([tsa.unrelated_root_pem]).verify(NOTE, responses.unrelated)

    assert verified == VerifiedToken(_gen_time(responses.unrelated), at_gen_time=False)


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(NOTE.decode(), id="str"),
        pytest.param(None, id="None"),
    ],
)
def test_data_that_is_not_bytes_is_refused(verifier: TimeStampVerifier, responses: Responses, wrong: object) -> None:
    with pytest.raises(ValueError):
        verifier.verify(wrong, responses.good)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "wrong", [None, "a response", bytearray(b"0\x03\x02\x01\x00")], ids=["None", "str", "bytearray"]
)
def test_a_response_that_is_not_bytes_is_refused(verifier: TimeStampVerifier, wrong: object) -> None:
    with pytest.raises(ValueError):
        verifier.verify(NOTE, wrong)  # type: ignore[arg-type]
