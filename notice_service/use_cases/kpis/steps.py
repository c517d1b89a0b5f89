"""Which step gets paid: the share of cases paid after each step and the median days to pay after it, and the
reminders sent per paid invoice (README "KPIs").

An invoice is *settled* on the latest date of its payments and credit notes once its status is ``paid``; a case
is *paid* on the latest settlement date of its invoices once none is ``open`` (cancelled ones aside), counted
when that date is at most ``to``. A step is a notice kind; the cases *of* a step are the cases with an issued
notice of that kind dated in the period (its first one: the step's date). A case is paid *after* a step when it
was paid on or after the step's date and no notice of another kind was issued between the step and the
payment: that step was the last before the money came. Share = cases paid after the step / cases of the step;
median of (payment date − step date) over the cases paid after it.

Reminders per paid invoice: over the invoices settled in the period, the issued notices of their case dated
up to the settlement, divided by the number of those invoices.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func, select, union_all
from sqlalchemy.orm import Session, aliased

from notice_service.db.models.cases import CaseInvoice
from notice_service.db.models.claims import CreditNote, Invoice, Payment
from notice_service.db.models.notices import Notice
from notice_service.use_cases.kpis.period import Period, ratio
from notice_service.use_cases.kpis.sql import days_between, medians


def settlements(tenant_id: str) -> Any:
    """``(invoice_id, settled_on)`` of every ``paid`` invoice: its latest payment or credit note."""
    dates = union_all(
        select(Payment.invoice_id, Payment.paid_on.label("on")).where(Payment.tenant_id == tenant_id),
        select(CreditNote.invoice_id, CreditNote.issued_on.label("on")).where(CreditNote.tenant_id == tenant_id),
    ).subquery("settlement_dates")
    return (
        select(dates.c.invoice_id, func.max(dates.c.on).label("settled_on"))
        .join(Invoice, Invoice.id == dates.c.invoice_id)
        .where(Invoice.status == "paid")
        .group_by(dates.c.invoice_id)
        .cte("settlements")
    )


def paid_cases(tenant_id: str, period: Period, settled: Any) -> Any:
    """``(case_id, paid_on)``: cases with no open invoice, paid by ``to``."""
    still_open = func.sum(case((Invoice.status == "open", 1), else_=0))
    return (
        select(CaseInvoice.case_id, func.max(settled.c.settled_on).label("paid_on"))
        .join(Invoice, Invoice.id == CaseInvoice.invoice_id)
        .outerjoin(settled, settled.c.invoice_id == Invoice.id)
        .where(Invoice.tenant_id == tenant_id, Invoice.status != "cancelled")
        .group_by(CaseInvoice.case_id)
        .having(and_(still_open == 0, func.max(settled.c.settled_on) <= period.end))
        .cte("paid_cases")
    )


def _steps_cte(tenant_id: str, period: Period) -> Any:
    return (
        select(Notice.case_id, Notice.kind, func.min(Notice.as_of).label("step_on"))
        .where(
            Notice.tenant_id == tenant_id,
            Notice.status == "issued",
            and_(Notice.as_of >= period.start, Notice.as_of <= period.end),
        )
        .group_by(Notice.case_id, Notice.kind)
        .cte("steps")
    )


def _paid_after(steps: Any, paid: Any, tenant_id: str) -> Any:
    """``(grp, days)``: each case paid after its step, the step's kind and the days from step to payment."""
    later = aliased(Notice)
    other_step_between = exists().where(
        later.tenant_id == tenant_id,
        later.case_id == steps.c.case_id,
        later.status == "issued",
        later.kind != steps.c.kind,
        later.as_of > steps.c.step_on,
        later.as_of <= paid.c.paid_on,
    )
    return (
        select(steps.c.kind.label("grp"), days_between(paid.c.paid_on, steps.c.step_on).label("days"))
        .join(paid, paid.c.case_id == steps.c.case_id)
        .where(paid.c.paid_on >= steps.c.step_on, ~other_step_between)
    )


def step_shares(session: Session, tenant_id: str, period: Period) -> list[dict[str, Any]]:
    """Two statements: the cases of each step, and per step the cases paid after it with their median."""
    steps = _steps_cte(tenant_id, period)
    cohort: dict[str, int] = {
        kind: int(count) for kind, count in session.execute(select(steps.c.kind, func.count()).group_by(steps.c.kind))
    }
    after = _paid_after(steps, paid_cases(tenant_id, period, settlements(tenant_id)), tenant_id)
    dialect = session.get_bind().dialect.name
    found = {kind: (median, int(count)) for kind, median, count in session.execute(medians(dialect, after))}
    shares = []
    for kind in sorted(cohort):
        median, paid = found.get(kind, (None, 0))
        shares.append(
            {
                "kind": kind,
                "cases": cohort[kind],
                "paid_after": paid,
                "share": ratio(paid, cohort[kind], 4),
                "median_days_to_pay": _half_days(median),
            }
        )
    return shares


def _half_days(value: float | None) -> str | None:
    """A median of whole days is a whole or a half number of days: ``12.0`` → ``"12"``, ``12.5`` → ``"12.5"``."""
    if value is None:
        return None
    halves = round(value * 2)
    return str(halves // 2) if halves % 2 == 0 else f"{halves // 2}.5"


def reminders_per_paid_invoice(session: Session, tenant_id: str, period: Period) -> dict[str, Any]:
    """One statement: the invoices settled in the period and the notices of their case up to the settlement."""
    settled = settlements(tenant_id)
    in_period = and_(settled.c.settled_on >= period.start, settled.c.settled_on <= period.end)
    notice_before = and_(
        Notice.case_id == CaseInvoice.case_id,
        Notice.tenant_id == tenant_id,
        Notice.status == "issued",
        Notice.as_of <= settled.c.settled_on,
    )
    query = (
        select(func.count(func.distinct(settled.c.invoice_id)), func.count(Notice.id))
        .select_from(settled)
        .outerjoin(CaseInvoice, CaseInvoice.invoice_id == settled.c.invoice_id)
        .outerjoin(Notice, notice_before)
        .where(in_period)
    )
    invoices, count = (int(value) for value in session.execute(query).one())
    return {
        "paid_invoices": invoices,
        "reminders": count,
        "per_paid_invoice": ratio(count, invoices, 2),
        "formula": "notices issued before settlement on the invoices settled in the period / those invoices",
    }
