"""Recovery rate: amount recovered / amount chased in the period (README "KPIs").

An invoice is *chased* in the period when an issued notice of its case is dated (``as_of``, the letter's date)
from ``from`` to ``to``, on or after the invoice's issue date (a case's invoice issued after the notice was not
in it); its amount chased is its balance the day its first such notice went out (amount −
payments and credit notes dated before that day). *Recovered*: the payments on chased invoices dated from that
first notice to ``to``. Credit notes reduce what is chased but are never recovered money.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from notice_service.db.models.cases import CaseInvoice
from notice_service.db.models.claims import CreditNote, Invoice, Payment
from notice_service.db.models.notices import Notice
from notice_service.use_cases.kpis.period import Period, money, ratio
from notice_service.use_cases.kpis.sql import cents


def first_notices(tenant_id: str, period: Period) -> Any:
    """``(invoice_id, first_on)``: the date of the first notice of the period on each chased invoice."""
    return (
        select(CaseInvoice.invoice_id, func.min(Notice.as_of).label("first_on"))
        .join(Notice, Notice.case_id == CaseInvoice.case_id)
        .where(
            Notice.tenant_id == tenant_id,
            Notice.status == "issued",
            and_(Notice.as_of >= period.start, Notice.as_of <= period.end),
        )
        .group_by(CaseInvoice.invoice_id)
        .cte("first_notices")
    )


def _per_invoice(model: Any, condition: Any, first: Any) -> Any:
    """Cents of ``model`` rows (payments or credit notes) per chased invoice, where ``condition`` holds."""
    return (
        select(model.invoice_id, func.sum(cents(model.amount)).label("total"))
        .join(first, first.c.invoice_id == model.invoice_id)
        .where(condition)
        .group_by(model.invoice_id)
        .subquery()
    )


def recovery(session: Session, tenant_id: str, period: Period) -> dict[str, Any]:
    """One statement: the chased balance, the number of chased invoices and what was recovered on them."""
    first = first_notices(tenant_id, period)
    paid_before = _per_invoice(Payment, Payment.paid_on < first.c.first_on, first)
    credited_before = _per_invoice(CreditNote, CreditNote.issued_on < first.c.first_on, first)
    after = and_(Payment.paid_on >= first.c.first_on, Payment.paid_on <= period.end)
    recovered_each = _per_invoice(Payment, after, first)
    chased_each = (
        cents(Invoice.amount_due) - func.coalesce(paid_before.c.total, 0) - func.coalesce(credited_before.c.total, 0)
    )
    query = (
        select(
            func.coalesce(func.sum(chased_each), 0),
            func.count(),
            func.coalesce(func.sum(recovered_each.c.total), 0),
        )
        .select_from(first)
        .join(Invoice, Invoice.id == first.c.invoice_id)
        .outerjoin(paid_before, paid_before.c.invoice_id == Invoice.id)
        .outerjoin(credited_before, credited_before.c.invoice_id == Invoice.id)
        .outerjoin(recovered_each, recovered_each.c.invoice_id == Invoice.id)
        .where(Invoice.status != "cancelled", Invoice.issue_date <= first.c.first_on)
    )
    chased, invoices, recovered = (int(value) for value in session.execute(query).one())
    return {
        "chased_invoices": invoices,
        "chased": money(chased),
        "recovered": money(recovered),
        "rate": ratio(recovered, chased, 4),
        "formula": "payments on chased invoices from their first notice to `to` / their balance at that notice",
    }
