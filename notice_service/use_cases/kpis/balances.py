"""Aging at ``to``, the receivables and the sales of the period, and the DSO (README "KPIs").

An invoice's balance at ``to`` = its amount − the payments dated up to ``to`` − the credit notes dated up to
``to``; invoices issued after ``to`` and cancelled invoices count nowhere. Days past due = ``to`` − due date;
buckets ``current`` (not yet due), ``0-30``, ``31-60``, ``61-90``, ``over_90``.

DSO, the standard (average) method: receivables at ``to`` / sales of the period × days of the period, where
receivables = the balance at ``to`` of every invoice (due or not) and sales = the amount of the invoices issued
in the period. None when nothing was invoiced in the period.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from notice_service.db.models.claims import CreditNote, Invoice, Payment
from notice_service.use_cases.kpis.period import Period, money, ratio
from notice_service.use_cases.kpis.sql import cents

BUCKETS = ("current", "0-30", "31-60", "61-90", "over_90")


def _sum_by_invoice(model: Any, day: Any, tenant_id: str, period: Period) -> Any:
    return (
        select(model.invoice_id, func.sum(cents(model.amount)).label("total"))
        .where(model.tenant_id == tenant_id, day <= period.end)
        .group_by(model.invoice_id)
        .subquery()
    )


def balances_at_end(tenant_id: str, period: Period) -> Select[str, date, int]:
    """``(id, due_date, balance)`` in cents at ``to`` of every invoice issued by then and not cancelled."""
    paid = _sum_by_invoice(Payment, Payment.paid_on, tenant_id, period)
    credited = _sum_by_invoice(CreditNote, CreditNote.issued_on, tenant_id, period)
    balance = cents(Invoice.amount_due) - func.coalesce(paid.c.total, 0) - func.coalesce(credited.c.total, 0)
    query = (
        select(Invoice.id, Invoice.due_date, balance.label("balance"))
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .outerjoin(credited, credited.c.invoice_id == Invoice.id)
        .where(Invoice.tenant_id == tenant_id, Invoice.status != "cancelled", Invoice.issue_date <= period.end)
    )
    return query


def _bucket(due: Any, period: Period) -> Any:
    """The bucket of a due date, compared with dates computed here (portable: no date arithmetic in SQL)."""
    end = period.end
    return case(
        (due > end, literal("current")),
        (due >= end - timedelta(days=30), literal("0-30")),
        (due >= end - timedelta(days=60), literal("31-60")),
        (due >= end - timedelta(days=90), literal("61-90")),
        else_=literal("over_90"),
    )


def aging(session: Session, tenant_id: str, period: Period) -> dict[str, Any]:
    """The open balance at ``to`` by bucket (amount and count) and in total."""
    rows = balances_at_end(tenant_id, period).subquery()
    bucket = _bucket(rows.c.due_date, period).label("bucket")
    query = select(bucket, func.count(), func.sum(rows.c.balance)).where(rows.c.balance > 0).group_by(bucket)
    found = {name: (count, total) for name, count, total in session.execute(query)}
    buckets = [
        {"bucket": name, "count": found.get(name, (0, 0))[0], "amount": money(found.get(name, (0, 0))[1] or 0)}
        for name in BUCKETS
    ]
    total = sum((found.get(name, (0, 0))[1] or 0) for name in BUCKETS)
    return {"buckets": buckets, "total_cents": total}


def sales(session: Session, tenant_id: str, period: Period) -> int:
    """Cents invoiced in the period (invoices issued from ``from`` to ``to``, cancelled ones left out)."""
    query = select(func.coalesce(func.sum(cents(Invoice.amount_due)), 0)).where(
        Invoice.tenant_id == tenant_id,
        Invoice.status != "cancelled",
        and_(Invoice.issue_date >= period.start, Invoice.issue_date <= period.end),
    )
    return int(session.execute(query).scalar_one())


def dso(receivables: int, invoiced: int, period: Period) -> dict[str, Any]:
    days = None if invoiced == 0 else ratio(receivables * period.days, invoiced, 1)
    return {
        "days": days,
        "receivables": money(receivables),
        "sales": money(invoiced),
        "period_days": period.days,
        "formula": "receivables at `to` / sales of the period × days of the period",
    }
