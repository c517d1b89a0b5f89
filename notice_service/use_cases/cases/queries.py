"""Read models for the API: a notice, a case with its timeline, a debtor, an invoice (JSON-ready dicts).

Reads answer the state as committed; another tenant's id is not found.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from notice_service.db.models.core import AuditRecord, Case, Debtor, Invoice, Notice, Payment
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.cases.disputes import case_disputes_json
from notice_service.use_cases.cases.documents import case_documents_json
from notice_service.use_cases.cases.legal_summary import case_legal_summary
from notice_service.use_cases.cases.statement import load_case_invoices
from notice_service.use_cases.delivery.queries import delivery_subjects, notice_deliveries


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


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
        "created_at": _iso(notice.created_at),
        "issued_at": _iso(notice.issued_at),
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


def debtor_json(debtor: Debtor) -> dict[str, Any]:
    return {
        "id": debtor.id,
        "kind": debtor.kind,
        "name": debtor.name,
        "siren": debtor.siren,
        "address": {
            "lines": debtor.address_lines,
            "postal_code": debtor.postal_code,
            "city": debtor.city,
            "country": debtor.country,
        },
        "email": debtor.email,
        "created_at": _iso(debtor.created_at),
    }


def get_debtor(services: Services, actor: Actor, debtor_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return debtor_json(get_owned(session, Debtor, actor.tenant_id, debtor_id))


def _invoice_json(session: Session, invoice: Invoice) -> dict[str, Any]:
    payments = (
        session.execute(select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.paid_on))
        .scalars()
        .all()
    )
    paid = sum((p.amount for p in payments), Decimal(0))
    return {
        "id": invoice.id,
        "debtor_id": invoice.debtor_id,
        "number": invoice.number,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "amount_due": format(invoice.amount_due, "f"),
        "currency": invoice.currency,
        "paid": format(paid, "f"),
        "balance": format(invoice.amount_due - paid, "f"),
        "document": {"sha256": invoice.document_sha256} if invoice.document_sha256 else None,
        "payments": [
            {
                "id": p.id,
                "amount": format(p.amount, "f"),
                "paid_on": p.paid_on.isoformat(),
                "reference": p.reference,
            }
            for p in payments
        ],
    }


def get_invoice(services: Services, actor: Actor, invoice_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return _invoice_json(session, get_owned(session, Invoice, actor.tenant_id, invoice_id))


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
            "invoices": [_invoice_json(session, invoice) for invoice in invoices],
            "notices": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "status": n.status,
                    "as_of": n.as_of.isoformat(),
                    "issued_at": _iso(n.issued_at),
                    **dispatched[n.id],
                }
                for n in notices
            ],
            "timeline": _timeline(session, actor.tenant_id, subjects),
            **case_legal_summary(session, services.clock.now(), debtor, invoices, notices),
            "documents": case_documents_json(session, case.id),
            "disputes": case_disputes_json(session, case.id),
            "created_at": _iso(case.created_at),
        }
