"""Read models of debtors and invoices (with their payments), as JSON-ready dicts.

Reads answer the state as committed; another tenant's id is not found.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.claims import Debtor, Invoice, Payment
from notice_service.db.tenant_scope import get_owned
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.json_values import iso_or_none


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
    }


def get_debtor(services: Services, actor: Actor, debtor_id: str) -> dict[str, Any]:
    with services.db.reading() as session:
        return debtor_json(get_owned(session, Debtor, actor.tenant_id, debtor_id))


def invoice_json(session: Session, invoice: Invoice) -> dict[str, Any]:
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
        return invoice_json(session, get_owned(session, Invoice, actor.tenant_id, invoice_id))
