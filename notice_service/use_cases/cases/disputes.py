"""Recording that the debtor disputes the claim (a contestation), and listing the disputes of a case.

The summary is kept on the dispute's row; the ``case:dispute_recorded`` audit record carries only its SHA-256
(no free text in the log), which proves later what was recorded without publishing it. A dispute raised after
the mise en demeure is a warning of the dossier's pre-export checks (``use_cases.dossier_checks``).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.case_documents import CaseDispute
from notice_service.db.models.cases import Case
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.deadlines import PARIS
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id

MAX_SUMMARY = 2000


def _checked_summary(summary: str) -> str:
    text = summary.strip()
    if not text:
        raise InvalidInput("Summarise the dispute.", errors=[FieldError("summary", "empty")])
    if len(text) > MAX_SUMMARY:
        raise InvalidInput(
            f"The summary is limited to {MAX_SUMMARY} characters.", errors=[FieldError("summary", "too long")]
        )
    return text


def record_dispute(services: Services, actor: Actor, case_id: str, raised_on: date, summary: str) -> str:
    """Record that the debtor disputed the claim on ``raised_on`` (audited by the summary's hash); answers its id."""
    text = _checked_summary(summary)
    if raised_on > services.clock.now().astimezone(PARIS).date():
        raise InvalidInput(
            "The dispute cannot be raised in the future.", errors=[FieldError("raised_on", "in the future")]
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    now, dispute_id = services.clock.now(), new_id()
    with services.db.transaction() as session:
        case = get_owned(session, Case, actor.tenant_id, case_id)
        session.add(
            CaseDispute(
                id=dispute_id, tenant_id=actor.tenant_id, case_id=case.id, raised_on=raised_on, summary=text,
                summary_sha256=digest, created_by=actor.id, created_at=now,
            )
        )  # fmt: skip
        session.flush()
        data = {"dispute_id": dispute_id, "raised_on": raised_on.isoformat(), "summary_sha256": digest}
        record = actor.record("case:dispute_recorded", "case", case.id, data=data)
        audit_repository.append(session, actor.tenant_id, [record], now)
    return dispute_id


def load_case_disputes(session: Session, case_id: str) -> list[CaseDispute]:
    query = select(CaseDispute).where(CaseDispute.case_id == case_id)
    return list(session.execute(query.order_by(CaseDispute.raised_on, CaseDispute.id)).scalars())


def case_disputes_json(session: Session, case_id: str) -> list[dict[str, Any]]:
    """The case's disputes for the case view."""
    return [
        {
            "id": d.id,
            "raised_on": d.raised_on.isoformat(),
            "summary": d.summary,
            "summary_sha256": d.summary_sha256,
            "created_at": d.created_at.isoformat(),
        }
        for d in load_case_disputes(session, case_id)
    ]
