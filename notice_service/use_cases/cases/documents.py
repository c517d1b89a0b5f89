"""Uploading a case's supporting documents (the contract, the CGV, a purchase order, anything else) and listing them.

The case is looked up first, so an unknown case stores nothing; the file is then checked (size cap, magic bytes:
PDF, PNG, JPEG or TIFF; no JavaScript, launch action or embedded file in a PDF, no image bomb: ``UnsafeDocument``)
and stored write-once before one short transaction adds its row and the
``case:document_added`` audit record naming its SHA-256. The dossier numbers these documents first: they are the
basis of the claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.case_documents import CaseDocument
from notice_service.db.models.cases import Case
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import DocumentRef
from notice_service.domain.deadlines import PARIS
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.uploads import checked_media_type


class DocumentKind(StrEnum):
    CONTRACT = "contract"
    CGV = "cgv"
    PURCHASE_ORDER = "purchase_order"
    OTHER = "other"


@dataclass(frozen=True)
class DocumentUpload:
    kind: DocumentKind
    data: bytes
    title: str | None = None
    dated: date | None = None


def add_case_document(services: Services, actor: Actor, case_id: str, upload: DocumentUpload) -> str:
    """Store ``upload`` WORM and attach it to the case (audited); answers the document's id."""
    if upload.dated is not None and upload.dated > services.clock.now().astimezone(PARIS).date():
        raise InvalidInput(
            "The document's date cannot be in the future.", errors=[FieldError("dated", "in the future")]
        )
    with services.db.reading() as session:
        get_owned(session, Case, actor.tenant_id, case_id)
    media_type = checked_media_type(services, upload.data)
    stored = services.store.put(upload.data, content_type=media_type, document_class="evidence")
    now, document_id = services.clock.now(), new_id()
    with services.db.transaction() as session:
        case = get_owned(session, Case, actor.tenant_id, case_id)
        session.add(
            CaseDocument(
                id=document_id, tenant_id=actor.tenant_id, case_id=case.id, kind=upload.kind.value, title=upload.title,
                dated=upload.dated, media_type=media_type, sha256=stored.sha256, size=stored.size,
                document_key=stored.key, version_id=stored.version_id, created_by=actor.id, created_at=now,
            )
        )  # fmt: skip
        session.flush()
        record = actor.record(
            "case:document_added",
            "case",
            case.id,
            documents=(DocumentRef(upload.kind.value, stored.sha256),),
            data={"document_id": document_id, "kind": upload.kind.value, "media_type": media_type},
        )
        audit_repository.append(session, actor.tenant_id, [record], now)
    return document_id


def load_case_documents(session: Session, case_id: str) -> list[CaseDocument]:
    query = select(CaseDocument).where(CaseDocument.case_id == case_id)
    return list(session.execute(query.order_by(CaseDocument.created_at, CaseDocument.id)).scalars())


def case_documents_json(session: Session, case_id: str) -> list[dict[str, Any]]:
    """The case's documents for the case view (without their bytes: name them by SHA-256)."""
    return [
        {
            "id": d.id,
            "kind": d.kind,
            "title": d.title,
            "dated": d.dated.isoformat() if d.dated else None,
            "media_type": d.media_type,
            "sha256": d.sha256,
            "size": d.size,
            "created_at": d.created_at.isoformat(),
        }
        for d in load_case_documents(session, case_id)
    ]
