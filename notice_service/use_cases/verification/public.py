"""The public verification of a letter (``/v/<code>``, issue 15): what anyone holding the letter may learn,
and the comparison of a PDF with the signed one.

Only public facts leave here: the issuer (the tenant's name and SIREN, printed on the letter's footer anyway),
the date of issue, the kind of letter in French, the SHA-256 of the signed PDF and the notice's status. Nothing
about the debtor, the amounts or the case. A malformed code, an unknown code and the code of a notice that was
only drafted all answer the same ``NotFound``, so the page tells nothing about how close a guess was. Notices
have no cancelled or superseded state (an issued letter stays issued), so the status is always "issued".

The compared upload is hashed in memory and forgotten: nothing is stored, audited or logged.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from notice_service.db.models.notices import Notice
from notice_service.db.models.tenants import Tenant
from notice_service.domain.deadlines import PARIS
from notice_service.domain.evidence_files import sniff_media_type
from notice_service.domain.verification_codes import canonical, grouped
from notice_service.errors import FieldError, InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from notice_service.letter_catalogue import TITLES
from notice_service.services import Services

UNKNOWN = "No issued letter has this verification code."


@dataclass(frozen=True)
class PublicFacts:
    """What the verification page shows of an issued letter."""

    code: str  # grouped, as printed
    issuer_name: str
    issuer_siren: str
    issued_on: date  # in Paris
    kind: str
    title: str  # the kind in French, as the letter's title
    sha256: str
    status: str  # "issued": notices have no later state


def public_facts(services: Services, code_text: str) -> PublicFacts:
    """The public facts of the issued letter whose code ``code_text`` spells; ``NotFound`` otherwise."""
    code = canonical(code_text)
    if code is None:
        raise NotFound(UNKNOWN)
    with services.db.reading() as session:
        row = session.execute(
            select(Notice, Tenant.name, Tenant.siren)
            .join(Tenant, Tenant.id == Notice.tenant_id)
            .where(Notice.verification_code == code, Notice.status == "issued")
        ).one_or_none()
    if row is None:
        raise NotFound(UNKNOWN)
    notice, name, siren = row
    if notice.issued_at is None or notice.document_sha256 is None:
        raise NotFound(UNKNOWN)
    return PublicFacts(
        code=grouped(code),
        issuer_name=name,
        issuer_siren=siren,
        issued_on=notice.issued_at.astimezone(PARIS).date(),
        kind=notice.kind,
        title=TITLES.get(notice.kind, notice.kind),
        sha256=notice.document_sha256,
        status="issued",
    )


@dataclass(frozen=True)
class Comparison:
    facts: PublicFacts
    uploaded_sha256: str
    uploaded_size: int

    @property
    def identical(self) -> bool:
        return hmac.compare_digest(self.uploaded_sha256, self.facts.sha256)


def compare_upload(facts: PublicFacts, data: bytes | None, limit: int) -> Comparison:
    """Compare ``data`` (the uploaded file, ``None`` when none was sent) with the signed PDF of the letter
    ``facts`` describes: the file must be there, at most ``limit`` bytes, and a PDF by its first bytes."""
    if not data:
        raise InvalidInput(
            "Choose the PDF file of the letter before comparing.",
            errors=[FieldError("document", "no file was sent, or it was empty")],
        )
    if len(data) > limit:
        raise PayloadTooLarge(
            f"The file is larger than {limit} bytes; a letter's PDF is far smaller.",
            errors=[FieldError("document", f"larger than {limit} bytes")],
        )
    if sniff_media_type(data) != "application/pdf":
        raise UnsupportedMediaType(
            "The file is not a PDF: compare the PDF file of the letter you received.",
            errors=[FieldError("document", "not a PDF (it does not start with %PDF-)")],
        )
    return Comparison(facts, hashlib.sha256(data).hexdigest(), len(data))
