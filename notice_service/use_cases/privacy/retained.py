"""The stored documents a purge leaves in place: letters, delivery evidence and provider payloads, invoice copies,
case documents, e-mail consents' proofs and dossiers stay under their legal retention (WORM, Object Lock; LEGAL.md
Part A §11: 10 years by default, C. com. L123-22) and the purge records each one and until when it is kept.

``retain_until`` is the store's lock date when it has one (S3 Object Lock), else the configured retention
(``NOTICE_RETENTION_DAYS``) counted from when the document was stored (``source``: ``store`` or
``configured``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.case_documents import CaseDocument
from notice_service.db.models.claims import Invoice
from notice_service.db.models.delivery import DeliveryEvidence, DeliveryFact, ElectronicConsent
from notice_service.db.models.dossier import Dossier
from notice_service.db.models.notices import Notice
from notice_service.errors import NoticeError
from notice_service.services import Services
from notice_service.use_cases.privacy.scrub import Purged

Document = tuple[str, str, str, datetime]  # kind, row id, store key, stored at


def _documents(session: Session, target: Purged) -> Iterator[Document]:
    for notice in session.execute(select(Notice).where(Notice.id.in_(target.notice_ids))).scalars():
        if notice.document_key:
            yield "letter", notice.id, notice.document_key, notice.issued_at or notice.created_at
    for invoice in session.execute(select(Invoice).where(Invoice.id.in_(target.invoice_ids))).scalars():
        if invoice.document_key:
            yield "invoice_copy", invoice.id, invoice.document_key, invoice.created_at
    evidence = select(DeliveryEvidence).where(DeliveryEvidence.delivery_id.in_(target.delivery_ids))
    for item in session.execute(evidence).scalars():
        yield f"delivery_{item.kind}", item.id, item.document_key, item.created_at
    for fact in session.execute(
        select(DeliveryFact).where(DeliveryFact.delivery_id.in_(target.delivery_ids))
    ).scalars():
        yield "provider_payload", fact.id, fact.payload_key, fact.recorded_at
    for doc in session.execute(select(CaseDocument).where(CaseDocument.case_id.in_(target.case_ids))).scalars():
        yield f"case_{doc.kind}", doc.id, doc.document_key, doc.created_at
    consents = select(ElectronicConsent).where(ElectronicConsent.debtor_id == target.debtor_id)
    for consent in session.execute(consents).scalars():
        yield "lre_consent", consent.id, consent.evidence_key, consent.created_at
    for dossier in session.execute(select(Dossier).where(Dossier.case_id.in_(target.case_ids))).scalars():
        yield "dossier", dossier.id, dossier.archive_key or dossier.layout_key, dossier.created_at


def store_locks(services: Services, keys: Iterable[str]) -> dict[str, datetime | None]:
    """The store's lock date of each key (one HEAD each on S3: run it outside any transaction); ``None`` for an
    object without one, absent or unreachable (the configured retention is what the law asks anyway)."""
    locks: dict[str, datetime | None] = {}
    for key in keys:
        try:
            locks[key] = services.store.stat(key).retain_until
        except NoticeError:
            locks[key] = None
    return locks


def document_keys(session: Session, target: Purged) -> set[str]:
    return {key for _, _, key, _ in _documents(session, target)}


def retained_documents(
    services: Services, session: Session, target: Purged, known: Mapping[str, datetime | None] | None = None
) -> list[dict[str, Any]]:
    """Each stored document of ``target`` with its retain-until date (ISO) and where that date comes from; the
    store is asked only for the keys ``known`` (``store_locks``, beforehand) lacks."""
    documents = list(_documents(session, target))
    locks = dict(known or {})
    locks |= store_locks(services, sorted({key for _, _, key, _ in documents} - locks.keys()))
    kept = []
    for kind, row_id, key, stored_at in documents:
        lock = locks[key]
        until = lock or stored_at + timedelta(days=services.settings.retention_days)
        source = "store" if lock else "configured"
        kept.append({"kind": kind, "id": row_id, "key": key, "retain_until": until.isoformat(), "source": source})
    return kept


def latest(retained: Sequence[dict[str, Any]]) -> datetime | None:
    return max((datetime.fromisoformat(item["retain_until"]) for item in retained), default=None)
