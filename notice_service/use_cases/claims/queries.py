"""Read models of debtors and invoices (with their payments and credit notes), as JSON-ready dicts.

Reads answer the state as committed; another tenant's id is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.claims import CreditNote, Debtor, Invoice, Payment
from notice_service.db.tenant_scope import get_owned
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.json_values import iso_or_none


def payments_by_invoice(session: Session, invoices: Sequence[Invoice]) -> dict[str, list[Payment]]:
    """The payments of each of ``invoices`` (an empty list for an invoice without any)."""
    rows = session.execute(select(Payment).where(Payment.invoice_id.in_([i.id for i in invoices]))).scalars()
    grouped: dict[str, list[Payment]] = {invoice.id: [] for invoice in invoices}
    for payment in rows:
        grouped[payment.invoice_id].append(payment)
    return grouped


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
        "activity": debtor.activity,
        "created_at": iso_or_none(debtor.created_at),
        "phone": debtor.phone,
        "sms_opt_out": bool(debtor.sms_opt_out),
    }


def get_debtor(services: Services, actor: Actor, debtor_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return debtor_json(get_owned(session, Debtor, actor.tenant_id, debtor_id))


def _credit_notes(session: Session, invoice_id: str) -> list[CreditNote]:
    query = select(CreditNote).where(CreditNote.invoice_id == invoice_id)
    return list(session.execute(query.order_by(CreditNote.issued_on, CreditNote.created_at)).scalars())


def _credit_note_json(note: CreditNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "number": note.number,
        "issued_on": note.issued_on.isoformat(),
        "amount": format(note.amount, "f"),
        "reason": note.reason,
    }


def invoice_summary_json(
    invoice: Invoice, payments: Sequence[Payment], credits: Sequence[CreditNote]
) -> dict[str, Any]:
    """What the invoice's read model and its list item share: identity, dates, amounts, the stored status
    (``sync_invoice_status``), what was paid and credited, and the balance after both."""
    paid = sum((p.amount for p in payments), Decimal(0))
    credited = sum((c.amount for c in credits), Decimal(0))
    return {
        "id": invoice.id,
        "debtor_id": invoice.debtor_id,
        "number": invoice.number,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "amount_due": format(invoice.amount_due, "f"),
        "currency": invoice.currency,
        "status": invoice.status,
        "paid": format(paid, "f"),
        "credited": format(credited, "f"),
        "balance": format(invoice.amount_due - paid - credited, "f"),
    }


def invoice_json(session: Session, invoice: Invoice) -> dict[str, Any]:
    """``GET /v1/invoices/{id}``: the summary, its payments and credit notes, its terms and delivery date."""
    query = (
        select(Payment)
        .where(Payment.invoice_id == invoice.id)
        .order_by(Payment.paid_on, Payment.created_at, Payment.id)
    )
    payments = session.execute(query).scalars().all()
    credits = _credit_notes(session, invoice.id)
    return {
        **invoice_summary_json(invoice, payments, credits),
        "document": {"sha256": invoice.document_sha256} if invoice.document_sha256 else None,
        "payments": [
            {"id": p.id, "amount": format(p.amount, "f"), "paid_on": p.paid_on.isoformat(), "reference": p.reference}
            for p in payments
        ],
        "credit_notes": [_credit_note_json(c) for c in credits],
        "contractual_rate": invoice.contractual_rate,
        "penalty_clause": invoice.penalty_clause,
        "delivered_on": (invoice.delivered_on or invoice.issue_date).isoformat(),
        "delivered_on_source": "invoice" if invoice.delivered_on else "issue_date",
    }


def get_invoice(services: Services, actor: Actor, invoice_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return invoice_json(session, get_owned(session, Invoice, actor.tenant_id, invoice_id))
