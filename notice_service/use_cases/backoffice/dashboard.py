"""The dashboard's figures (``/app/``): amounts outstanding and overdue, their aging, the mises en demeure whose
deadline ends this week, the drafts awaiting approval.

``dashboard_figures`` is the one boundary the page reads: the recovery rate and DSO of the KPIs
(``GET /v1/kpis``) are to be merged into its answer when that use case lands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import String, func, select, type_coerce

from notice_service.db.models.cases import Case
from notice_service.db.models.claims import CreditNote, Invoice, Payment
from notice_service.db.models.delivery import NoticeDeadline
from notice_service.db.models.notices import Notice
from notice_service.domain.deadlines import PARIS
from notice_service.services import Services
from notice_service.use_cases.actor import Actor

#: Aging buckets by days past due: (label, first day, last day or None).
BUCKETS = (("Non échu", None, 0), ("1–30 j", 1, 30), ("31–60 j", 31, 60), ("61–90 j", 61, 90), ("> 90 j", 91, None))


def _bucket_of(today: date) -> Callable[[date], int]:
    """The bucket of a due date: due dates compared with the buckets' first days, latest first."""
    starts = [(today - timedelta(days=first), position) for position, (_, first, _) in enumerate(BUCKETS) if first]

    def bucket(due: date) -> int:
        found = 0
        for start, position in starts:
            if due <= start:
                found = position
        return found

    return bucket


def _open_balances(services: Services, actor: Actor) -> list[tuple[date, Decimal]]:
    """Each open invoice's due date and balance, in three set-wise queries (joins, not lists of ids); the
    amounts are read as their stored decimal text and summed exactly."""
    opened = (Invoice.tenant_id == actor.tenant_id, Invoice.status == "open")
    with services.db.reading() as session:
        amount = type_coerce(Invoice.amount_due, String())
        balances = {
            i: (due, Decimal(a))
            for i, due, a in session.execute(select(Invoice.id, Invoice.due_date, amount).where(*opened))
        }
        for model in (Payment, CreditNote):
            paid = type_coerce(model.amount, String())
            query = select(model.invoice_id, paid).join(Invoice, Invoice.id == model.invoice_id).where(*opened)
            for invoice_id, value in session.execute(query):
                due, left = balances[invoice_id]
                balances[invoice_id] = (due, left - Decimal(value))
    return list(balances.values())


def _aging(services: Services, actor: Actor, today: date) -> tuple[Decimal, Decimal, list[Decimal]]:
    amounts = [Decimal(0)] * len(BUCKETS)
    bucket = _bucket_of(today)
    for due, balance in _open_balances(services, actor):
        if balance > 0:
            amounts[bucket(due)] += balance
    return sum(amounts, Decimal(0)), sum(amounts[1:], Decimal(0)), amounts


def _deadlines(services: Services, actor: Actor, today: date) -> list[dict[str, Any]]:
    week_end = today + timedelta(days=7)
    with services.db.reading() as session:
        query = (
            select(NoticeDeadline.deadline_on, Notice.id, Case.id, Case.reference)
            .join(Notice, Notice.id == NoticeDeadline.notice_id)
            .join(Case, Case.id == Notice.case_id)
            .where(
                NoticeDeadline.tenant_id == actor.tenant_id,
                NoticeDeadline.deadline_on >= today,
                NoticeDeadline.deadline_on <= week_end,
            )
            .order_by(NoticeDeadline.deadline_on)
            .limit(50)
        )
        rows = session.execute(query).all()
    return [{"deadline_on": d, "notice_id": n, "case_id": c, "reference": r} for d, n, c, r in rows]


def _drafts(services: Services, actor: Actor) -> tuple[int, list[dict[str, Any]]]:
    with services.db.reading() as session:
        where = (Notice.tenant_id == actor.tenant_id, Notice.status == "draft")
        count = session.execute(select(func.count()).select_from(Notice).where(*where)).scalar_one()
        rows = session.execute(
            select(Notice.id, Notice.kind, Notice.created_at, Case.reference)
            .join(Case, Case.id == Notice.case_id)
            .where(*where)
            .order_by(Notice.created_at.desc())
            .limit(10)
        ).all()
    return count, [{"id": i, "kind": k, "created_at": t, "reference": r} for i, k, t, r in rows]


def dashboard_figures(services: Services, actor: Actor) -> dict[str, Any]:
    """Every figure of the dashboard, as of today in Paris."""
    today = services.clock.now().astimezone(PARIS).date()
    outstanding, overdue, amounts = _aging(services, actor, today)
    drafts_count, drafts = _drafts(services, actor)
    return {
        "today": today,
        "outstanding": outstanding,
        "overdue": overdue,
        "aging": [{"label": label, "amount": amount} for (label, _, _), amount in zip(BUCKETS, amounts, strict=True)],
        "deadlines": _deadlines(services, actor, today),
        "drafts_count": drafts_count,
        "drafts": drafts,
    }
