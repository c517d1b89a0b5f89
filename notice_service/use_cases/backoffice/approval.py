"""Approving or rejecting a draft from its preview page.

Approving issues *that* draft (``issue_notice`` on the same id): the letter issued is rendered from the data
the draft froze, so what the approver saw is what is issued. Rejecting keeps the draft, unissued, with the
reason for the credit team; the audit record carries the reason's SHA-256 only (free text may hold personal
data). A rejected draft is not approved afterwards: draft a new letter.
"""

from __future__ import annotations

import hashlib
from typing import Any

from notice_service.db import audit_repository
from notice_service.db.models.notices import Notice
from notice_service.db.models.users import NoticeRejection
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import Conflict, FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.notices.issue import issue_notice

MIN_REASON, MAX_REASON = 3, 1000


def rejection(services: Services, actor: Actor, notice_id: str) -> dict[str, Any] | None:
    """The draft's rejection (reason, by, at), or ``None``."""
    with services.db.reading() as session:
        row = session.get(NoticeRejection, notice_id)
        if row is None or row.tenant_id != actor.tenant_id:
            return None
        return {"reason": row.reason, "rejected_by": row.rejected_by, "rejected_at": row.rejected_at}


def approve_draft(services: Services, actor: Actor, notice_id: str) -> None:
    """Issue the draft ``notice_id`` itself; refused when it was rejected."""
    if rejection(services, actor, notice_id) is not None:
        raise Conflict("Ce brouillon a été rejeté : préparez un nouveau courrier.")
    issue_notice(services, actor, notice_id)


def reject_draft(services: Services, actor: Actor, notice_id: str, reason: str) -> None:
    text = reason.strip()
    if not MIN_REASON <= len(text) <= MAX_REASON:
        raise InvalidInput(
            "Give the reason of the rejection.",
            errors=[FieldError("reason", f"entre {MIN_REASON} et {MAX_REASON} caractères")],
        )
    now = services.clock.now()
    with services.db.transaction() as session:
        notice = get_owned(session, Notice, actor.tenant_id, notice_id, lock=True)
        if notice.status != "draft":
            raise Conflict("Seul un brouillon peut être rejeté.")
        if session.get(NoticeRejection, notice.id) is not None:
            raise Conflict("Ce brouillon est déjà rejeté.")
        session.add(
            NoticeRejection(
                notice_id=notice.id, tenant_id=actor.tenant_id, reason=text, rejected_by=actor.id, rejected_at=now
            )
        )
        digest = hashlib.sha256(text.encode()).hexdigest()
        record = actor.record("notice:rejected", "notice", notice.id, data={"reason_sha256": digest})
        audit_repository.append(session, actor.tenant_id, [record], now)
