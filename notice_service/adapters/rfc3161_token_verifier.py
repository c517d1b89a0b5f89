"""Checking an archived RFC 3161 time-stamp response over given bytes: the ``TimeStampVerifier`` port.

Used by ``notice-service audit verify`` on stored checkpoint tokens: the response is granted, the token's
imprint is SHA-256 of exactly these bytes, the CMS signature verifies, the signer carries the critical
``timeStamping`` EKU and chains to one of the configured trust roots (at the current time, as
``openssl ts -verify`` does). Problems are reported as ``ValueError`` with a sentence naming them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms, tsp, x509
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from notice_service.adapters.rfc3161_timestamper import load_trust_roots


class Rfc3161TokenVerifier:
    """Verifies stored ``TimeStampResp`` bytes against ``trust_roots`` (DER or PEM blobs)."""

    def __init__(self, trust_roots: Sequence[bytes]) -> None:
        self._roots = load_trust_roots(trust_roots)

    def verify(self, data: bytes, response: bytes) -> datetime:
        digest = hashlib.sha256(data).digest()
        signed_data, tst_info = _token_parts(response)
        imprint = tst_info["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256" or imprint["hashed_message"].native != digest:
            raise ValueError("the token's message imprint is not SHA-256 of these bytes (token over other bytes)")
        context = ValidationContext(trust_roots=self._roots, allow_fetching=False)
        kwargs: dict[str, Any] = asyncio.run(validate_tst_signed_data(signed_data, context, lambda _a: digest))
        status = TimestampSignatureStatus(**kwargs)
        if not (status.intact and status.valid):
            raise ValueError("the token's CMS signature does not verify")
        _require_time_stamping_eku(status.signing_cert)
        if not status.trusted:
            subject = status.signing_cert.subject.human_friendly
            raise ValueError(f"the token is signed by {subject!r}, which does not chain to a trusted TSA root")
        gen_time: datetime = tst_info["gen_time"].native
        return gen_time.astimezone(UTC)


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
