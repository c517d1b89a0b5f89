"""Read models of notices: one notice as JSON, and its PDF.

Reads answer the state as committed; another tenant's id is not found.
"""

from __future__ import annotations

from typing import Any

from notice_service.db.models.notices import Notice
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.json_values import iso_or_none


def notice_json(notice: Notice) -> dict[str, Any]:
    document = None
    if notice.document_sha256:
        document = {
            "sha256": notice.document_sha256,
            "size": notice.document_size,
            "content_type": "application/pdf",
        }
    return {
        "id": notice.id,
        "case_id": notice.case_id,
        "kind": notice.kind,
        "variant": notice.variant,
        "status": notice.status,
        "as_of": notice.as_of.isoformat(),
        "options": notice.options,
        "statement": notice.statement,
        "template_digest": notice.template_digest,
        "document": document,
        "signature": notice.signature,
        "storage": notice.storage,
        "completeness": notice.completeness,
        "created_at": iso_or_none(notice.created_at),
        "issued_at": iso_or_none(notice.issued_at),
        "verification_url": (notice.letter_data.get("verification") or {}).get("url"),
    }


def get_notice(services: Services, actor: Actor, notice_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return notice_json(get_owned(session, Notice, actor.tenant_id, notice_id))


def notice_pdf(services: Services, actor: Actor, notice_id: str) -> tuple[bytes, str]:
    """The issued PDF (or the draft's preview) and a file name."""
    with services.db.reading() as session:
        notice = get_owned(session, Notice, actor.tenant_id, notice_id)
    key = notice.document_key or notice.preview_key
    if key is None:
        raise NotFound(f"The notice {notice_id} has no document yet.")
    suffix = "" if notice.document_key else "-apercu"
    return services.store.get(key), f"{notice.kind}-{notice.id}{suffix}.pdf"
