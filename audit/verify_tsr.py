"""RFC 3161 time-stamp responses for the standalone verifier: their genTime read from the DER itself, and their
check by ``openssl ts -verify`` at the current time, then at genTime for a validity-period failure only
(audit/SPEC.md §6 step 8).

Part of the standalone verifier (``verify.py`` is its command line): the standard library and the ``openssl``
command only; it imports no other module of the verifier.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

SIGNED_DATA_OID = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2 (OID contents, without tag)
TST_INFO_OID = bytes.fromhex("2a864886f70d0109100104")  # 1.2.840.113549.1.9.16.1.4
SEQUENCE, OID, OCTET_STRING, GENERALIZED_TIME, EXPLICIT_0 = 0x30, 0x06, 0x04, 0x18, 0xA0
GEN_TIME_FORMAT = re.compile(r"([0-9]{14})(\.[0-9]*[1-9])?Z")  # RFC 3161 §2.4.2: no trailing zero, UTC
RFC3339 = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})")
VALIDITY_ERRORS = ("certificate has expired", "certificate is not yet valid")  # OpenSSL's X509_V_ERR_CERT_… texts
GEN_TIME_NOTE = "a TSA certificate has expired since, or is not yet valid by this machine's clock"
UNREVOKED_NOTE = "revocation was not checked"
ONE_MICROSECOND = Fraction(1, 1_000_000)


def _der_element(data: bytes, start: int, end: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at ``start``, within ``end``. Definite lengths only,
    as DER requires (BER's indefinite lengths are refused)."""
    if start + 2 > end:
        raise ValueError("element missing")
    tag, length, start = data[start], data[start + 1], start + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("not DER (indefinite or oversized length)")
        length, start = int.from_bytes(data[start : start + count], "big"), start + count
    if start + length > end:
        raise ValueError("truncated DER element")
    return tag, start, start + length


def _der_child(data: bytes, bounds: tuple[int, int], index: int, tag: int) -> tuple[int, int]:
    """Content bounds of the ``index``-th element within ``bounds``, which must carry ``tag``."""
    start, end = bounds
    for _ in range(index):
        start = _der_element(data, start, end)[2]
    found, start, stop = _der_element(data, start, end)
    if found != tag:
        raise ValueError(f"element {index} has tag {found:#04x}, expected {tag:#04x}")
    return start, stop


def token_gen_time_text(response: bytes) -> str:
    """The genTime of a ``TimeStampResp`` (DER) as written, ``YYYYMMDDhhmmss[.f]Z``: TimeStampResp →
    timeStampToken (ContentInfo, signedData) → SignedData → encapContentInfo (id-ct-TSTInfo) → eContent →
    TSTInfo → genTime (RFC 3161 §2.4, RFC 5652 §5).

    Read from the very DER whose signature ``openssl ts -verify`` checks, not from the display format of
    ``openssl ts -reply -text`` (month names, fractions, versions); ``ValueError`` for any other structure."""
    try:
        token = _der_child(response, _der_child(response, (0, len(response)), 0, SEQUENCE), 1, SEQUENCE)
        if response[slice(*_der_child(response, token, 0, OID))] != SIGNED_DATA_OID:
            raise ValueError("the token is not CMS SignedData")
        signed_data = _der_child(response, _der_child(response, token, 1, EXPLICIT_0), 0, SEQUENCE)
        encapsulated = _der_child(response, signed_data, 2, SEQUENCE)  # after version and digestAlgorithms
        if response[slice(*_der_child(response, encapsulated, 0, OID))] != TST_INFO_OID:
            raise ValueError("the token does not encapsulate a TSTInfo")
        content = _der_child(response, _der_child(response, encapsulated, 1, EXPLICIT_0), 0, OCTET_STRING)
        tst_info = _der_child(response, content, 0, SEQUENCE)
        gen_time = response[slice(*_der_child(response, tst_info, 4, GENERALIZED_TIME))]  # after the serial
    except ValueError as exc:
        raise ValueError(f"no genTime readable in the token: {exc}") from exc
    text = gen_time.decode("ascii", "replace")
    if GEN_TIME_FORMAT.fullmatch(text) is None:
        raise ValueError(f"the token's genTime {gen_time!r} is not YYYYMMDDhhmmss[.f]Z")
    return text


def token_gen_time(response: bytes) -> datetime:
    """The token's genTime to the second (its fraction dropped), UTC; ``ValueError`` as ``token_gen_time_text``."""
    text = token_gen_time_text(response)
    return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def _instant(whole: datetime, fraction: str | None) -> Fraction:
    """Seconds since the epoch, exactly (a fraction of any length kept)."""
    return int(whole.timestamp()) + (Fraction(f"0{fraction}") if fraction else Fraction(0))


def gen_time_instant(text: str) -> Fraction:
    """A GeneralizedTime ``YYYYMMDDhhmmss[.f]Z`` as exact seconds since the epoch."""
    match = GEN_TIME_FORMAT.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not YYYYMMDDhhmmss[.f]Z")
    return _instant(datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC), match.group(2))


def rfc3339_instant(text: str) -> Fraction | None:
    """An RFC 3339 date-time with ``Z`` or an offset (``2026-12-01T17:19:19.5+00:00``) as exact seconds since the
    epoch; None when it is no such date-time."""
    match = RFC3339.fullmatch(text)
    if match is None:
        return None
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    try:
        whole = datetime.fromisoformat(match.group(1) + zone)
    except ValueError:
        return None
    return _instant(whole, match.group(2))


def same_gen_time(claimed: object, response: bytes) -> bool:
    """Whether ``claimed`` (an anchor record's ``data.gen_time``) is the token's genTime: an RFC 3339 date-time
    less than one microsecond from it, so a copy that kept microseconds (truncated or rounded) is the same."""
    if not isinstance(claimed, str):
        return False
    instant = rfc3339_instant(claimed)
    return instant is not None and abs(instant - gen_time_instant(token_gen_time_text(response))) < ONE_MICROSECOND


def _openssl_ts_verify(data: Path, token: Path, trust: Sequence[str], at: datetime | None = None) -> str | None:
    """None when ``openssl ts -verify`` accepts the token (at ``at``, default now), else its output."""
    command = ["openssl", "ts", "-verify", "-data", str(data), "-in", str(token), *trust]
    if at is not None:
        command += ["-attime", str(int(at.timestamp()))]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    output = (done.stdout + done.stderr).strip()
    return None if done.returncode == 0 and "Verification: OK" in done.stdout else output


def verify_token(data: Path, token: Path, trust: Sequence[str]) -> datetime | None:
    """Check a ``TimeStampResp`` over ``data``'s bytes with ``openssl ts -verify`` and the ``trust`` options.

    The TSA chain is validated at the current time first. Only when OpenSSL refuses it because a certificate is
    outside its validity period (expired, not yet valid) is it validated again at the token's genTime
    (``-attime``): the answer is then that genTime, else None. Any other refusal, and a refusal at genTime too,
    raises ``ValueError`` with OpenSSL's output (its last words last). Revocation is not checked."""
    output = _openssl_ts_verify(data, token, trust)
    if output is None:
        return None
    now_problem = next((problem for problem in VALIDITY_ERRORS if f"Verify error:{problem}" in output), None)
    if now_problem is None:
        raise ValueError(output)
    try:
        gen_time = token_gen_time(token.read_bytes())
    except ValueError as exc:
        raise ValueError(f"{output} (not retried at genTime: {exc})") from exc
    at_gen_time = _openssl_ts_verify(data, token, trust, gen_time)
    if at_gen_time is not None:
        raise ValueError(f"{at_gen_time} (at genTime {gen_time:%Y-%m-%dT%H:%M:%SZ} with -attime; now: {now_problem})")
    return gen_time
