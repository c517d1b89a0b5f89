"""The décompte of a case as of a date, as JSON-ready data (amounts as decimal strings).

Loads the case's invoices and payments and hands them to the domain's statement computation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models import CaseInvoice, Invoice, Payment


def load_case_invoices(session: Session, case_id: str) -> list[Invoice]:
    return list(
        session.execute(
            select(Invoice)
            .join(CaseInvoice, CaseInvoice.invoice_id == Invoice.id)
            .where(CaseInvoice.case_id == case_id)
            .order_by(CaseInvoice.position)
        ).scalars()
    )


def load_payments(session: Session, invoice_ids: list[str], as_of: date) -> list[Payment]:
    return list(
        session.execute(
            select(Payment)
            .where(Payment.invoice_id.in_(invoice_ids), Payment.paid_on <= as_of)
            .order_by(Payment.paid_on, Payment.created_at)
        ).scalars()
    )


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def compute_case_statement(invoices: list[Invoice], payments: list[Payment], as_of: date) -> dict[str, Any]:
    """Principal-only décompte: per invoice amount, paid and balance; totals."""
    paid_by_invoice: dict[str, Decimal] = {}
    for payment in payments:
        paid_by_invoice[payment.invoice_id] = paid_by_invoice.get(payment.invoice_id, Decimal(0)) + payment.amount
    lines = []
    for invoice in invoices:
        paid = paid_by_invoice.get(invoice.id, Decimal(0))
        lines.append(
            {
                "invoice_id": invoice.id,
                "number": invoice.number,
                "issue_date": invoice.issue_date.isoformat(),
                "due_date": invoice.due_date.isoformat(),
                "amount_due": _money(invoice.amount_due),
                "paid": _money(paid),
                "balance": _money(invoice.amount_due - paid),
                "interest": "0.00",
                "indemnity": "0.00",
                "periods": [],
            }
        )
    principal = sum((invoice.amount_due for invoice in invoices), Decimal(0))
    paid_total = sum(paid_by_invoice.values(), Decimal(0))
    return {
        "as_of": as_of.isoformat(),
        "principal": _money(principal),
        "interest": "0.00",
        "indemnities": "0.00",
        "paid": _money(paid_total),
        "total": _money(principal - paid_total),
        "invoices": lines,
    }
