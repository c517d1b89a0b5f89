"""Checking an archived RFC 3161 time-stamp response over given bytes: the ``TimeStampVerifier`` port.

Used by ``notice-service audit verify`` on stored checkpoint tokens: the response is granted, the token's
imprint is SHA-256 of exactly these bytes, the CMS signature verifies, the signer carries the critical
``timeStamping`` EKU and chains to one of the configured trust roots. The chain is validated at the current
time first (as ``openssl ts -verify`` does); when that fails only because a certificate of the chain is outside
its validity period (the TSA certificate has expired since the token was issued, or is not yet valid by this
machine's clock), it is validated again at the token's genTime, and the answer says so. Any other problem
(untrusted root, bad signature, missing EKU) fails as before. Revocation is not checked: no revocation data
is fetched or archived. Problems are reported as ``ValueError`` with a sentence naming them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms, tsp, x509
from pyhanko.sign.validation.generic_cms import extract_certs_for_validation, validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import ExpiredError, NotYetValidError, PathBuildingError, ValidationError

from notice_service.adapters.timestamping.rfc3161_timestamper import load_trust_roots
from notice_service.ports import VerifiedToken


class Rfc3161TokenVerifier:
    """Verifies stored ``TimeStampResp`` bytes against ``trust_roots`` (DER or PEM blobs)."""

    def __init__(self, trust_roots: Sequence[bytes]) -> None:
        self._roots = load_trust_roots(trust_roots)

    def verify(self, data: bytes, response: bytes) -> VerifiedToken:
        if not isinstance(data, bytes) or not isinstance(response, bytes):
            raise ValueError("the data and the time-stamp response must be bytes")
        digest = hashlib.sha256(data).digest()
        signed_data, tst_info = _token_parts(response)
        imprint = tst_info["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256" or imprint["hashed_message"].native != digest:
            raise ValueError("the token's message imprint is not SHA-256 of these bytes (token over other bytes)")
        gen_time: datetime = tst_info["gen_time"].native.astimezone(UTC)
        at_gen_time = asyncio.run(self._check_chain(signed_data, digest, gen_time))
        return VerifiedToken(gen_time, at_gen_time)

    def _context(self, moment: datetime | None = None) -> ValidationContext:
        return ValidationContext(trust_roots=self._roots, allow_fetching=False, moment=moment)

    async def _check_chain(self, signed_data: cms.SignedData, digest: bytes, gen_time: datetime) -> bool:
        """Signature, EKU and trust; False when they hold at the current time, True when the chain validates at
        ``gen_time`` after failing now only because a certificate is outside its validity period.

        Which time applies is settled by path validation at the current time before pyHanko runs, so that a token
        accepted at genTime leaves no pyHanko warning (with traceback) about the expired certificate in the log."""
        certificates = extract_certs_for_validation(signed_data)
        outside_now = await _outside_validity_now(certificates.signer_cert, certificates.other_certs, self._context())
        status = await _tst_status(signed_data, self._context(gen_time if outside_now else None), digest)
        if not (status.intact and status.valid):
            raise ValueError("the token's CMS signature does not verify")
        _require_time_stamping_eku(status.signing_cert)
        if status.trusted:
            return outside_now
        subject = status.signing_cert.subject.human_friendly
        if not outside_now:
            raise ValueError(f"the token is signed by {subject!r}, which does not chain to a trusted TSA root")
        raise ValueError(
            f"the token is signed by {subject!r}, whose chain has a certificate outside its validity period now "
            f"and does not validate at the token's genTime {gen_time.isoformat()} either"
        )


async def _tst_status(
    signed_data: cms.SignedData, context: ValidationContext, digest: bytes
) -> TimestampSignatureStatus:
    kwargs: dict[str, Any] = await validate_tst_signed_data(signed_data, context, lambda _a: digest)
    return TimestampSignatureStatus(**kwargs)


async def _outside_validity_now(
    signer: x509.Certificate, others: Sequence[x509.Certificate], context: ValidationContext
) -> bool:
    """Whether path validation at the current time fails because of a validity period (expired, not yet valid),
    rather than succeeding or failing for another reason (no path to a trusted root, constraints, algorithms)."""
    validator = CertificateValidator(signer, intermediate_certs=others, validation_context=context)
    try:
        await validator.async_validate_path()
    except (ExpiredError, NotYetValidError):
        return True
    except (PathBuildingError, ValidationError):
        return False
    return False


def _token_parts(response: bytes) -> tuple[cms.SignedData, tsp.TSTInfo]:
    try:
        parsed = tsp.TimeStampResp.load(response)
        if parsed["status"]["status"].native not in ("granted", "granted_with_mods"):
            raise ValueError("the time-stamp response is not granted")
        token = parsed["time_stamp_token"]
        signed_data = token["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
        tst_info.native  # noqa: B018 - asn1crypto parses lazily; force it so malformed tokens fail here
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not an RFC 3161 time-stamp response: {exc}") from exc
    return signed_data, tst_info


def _require_time_stamping_eku(certificate: x509.Certificate) -> None:
    usage = certificate.extended_key_usage_value
    if usage is None or "time_stamping" not in usage.native:
        raise ValueError("the token's signer certificate lacks the timeStamping extended key usage")
    if "extended_key_usage" not in certificate.critical_extensions:
        raise ValueError("the token's signer certificate has a non-critical timeStamping EKU")
