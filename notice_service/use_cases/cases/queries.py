"""Read model of a case: its debtor, invoices, notices, timeline, documents, disputes and legal summary.

Reads answer the state as committed; another tenant's id is not found.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor
from notice_service.db.models.notices import Notice
from notice_service.db.tenant_scope import get_owned
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.cases.calls import call_json, load_case_calls
from notice_service.use_cases.cases.disputes import case_disputes_json
from notice_service.use_cases.cases.documents import case_documents_json
from notice_service.use_cases.cases.legal_summary import case_legal_summary
from notice_service.use_cases.cases.promises import FOLLOW_UP_ACTIONS, load_case_pauses, pause_json
from notice_service.use_cases.cases.statement import load_case_invoices
from notice_service.use_cases.claims.queries import debtor_json, invoice_json
from notice_service.use_cases.delivery.queries import delivery_subjects, notice_deliveries
from notice_service.use_cases.json_values import iso_or_none


def _timeline(session: Session, tenant_id: str, subjects: list[tuple[str, str]]) -> list[dict[str, Any]]:
    conditions = [(AuditRecord.subject_type == kind) & (AuditRecord.subject_id == sid) for kind, sid in subjects]
    rows = session.execute(
        select(AuditRecord.canonical)
        .where(AuditRecord.tenant_id == tenant_id, or_(*conditions))
        .order_by(AuditRecord.index)
    ).scalars()
    events = []
    for canonical in rows:
        record = json.loads(canonical)
        events.append(
            {
                "index": record["index"],
                "time": record["time"],
                "action": record["action"],
                "subject": record["subject"],
                "documents": record["documents"],
                # a promise, pause or call says what and why (amounts, dates, outcome; free text by hash only)
                **({"data": record["data"]} if record["action"] in FOLLOW_UP_ACTIONS else {}),
            }
        )
    return events


def get_case(services: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        case = get_owned(session, Case, actor.tenant_id, case_id)
        debtor = session.get_one(Debtor, case.debtor_id)
        invoices = load_case_invoices(session, case.id)
        notices = (
            session.execute(select(Notice).where(Notice.case_id == case.id).order_by(Notice.created_at)).scalars().all()
        )
        subjects = [("case", case.id)] + [("invoice", i.id) for i in invoices] + [("notice", n.id) for n in notices]
        notice_ids = [n.id for n in notices]
        subjects += delivery_subjects(session, notice_ids)
        dispatched = notice_deliveries(session, notice_ids)
        return {
            "id": case.id,
            "reference": case.reference,
            "status": case.status,
            "debtor": debtor_json(debtor),
            "invoices": [invoice_json(session, invoice) for invoice in invoices],
            "notices": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "status": n.status,
                    "as_of": n.as_of.isoformat(),
                    "issued_at": iso_or_none(n.issued_at),
                    **dispatched[n.id],
                }
                for n in notices
            ],
            "timeline": _timeline(session, actor.tenant_id, subjects),
            **case_legal_summary(session, services.clock.now(), debtor, invoices, notices),
            "documents": case_documents_json(session, case.id),
            "disputes": case_disputes_json(session, case.id),
            "pauses": [pause_json(p) for p in load_case_pauses(session, case.id)],
            "calls": [call_json(c) for c in load_case_calls(session, case.id)],
            "created_at": iso_or_none(case.created_at),
            "closed_reason": case.closed_reason,
            "closed_note": case.closed_note,
            "closed_at": iso_or_none(case.closed_at),
        }
