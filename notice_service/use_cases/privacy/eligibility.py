"""Which debtors' personal data may be purged, and why (README "Personal data (RGPD)").

A case is purgeable once it is closed and either every claim of it is prescribed (the day after the latest
invoice's prescription date: 5 years B2B from the due date, C. com. L110-4; 2 years B2C from delivery or
completion, C. conso. L218-2; each payment restarting the period, C. civ. 2240; ``domain.prescription``) or, when
``NOTICE_PRIVACY_RETENTION_DAYS`` is set, that many days have passed since it closed. A debtor is purged as a whole,
once every one of its cases is purgeable and none of its invoices outside a case is still open: a debtor with an
open case (or a case closed too recently) keeps its data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import Debtor, Invoice, Payment
from notice_service.domain.deadlines import PARIS
from notice_service.domain.interest import DebtorKind, debtor_kind
from notice_service.domain.prescription import prescription_date, prescription_start
from notice_service.use_cases.claims.queries import payments_by_invoice


@dataclass(frozen=True)
class CaseVerdict:
    """One case of a debtor: whether it may go, and why (``reason``: ``prescribed``, ``retention_period``, or
    why not: ``open``, ``not_yet``, ``closed_after_before``)."""

    case_id: str
    reference: str
    status: str
    closed_on: date | None
    prescribed_from: date | None  # the first day every claim of the case is prescribed
    purgeable: bool
    reason: str

    def as_json(self) -> dict[str, str | bool | None]:
        return {
            "case_id": self.case_id,
            "reference": self.reference,
            "status": self.status,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "prescribed_from": self.prescribed_from.isoformat() if self.prescribed_from else None,
            "purgeable": self.purgeable,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class DebtorVerdict:
    debtor_id: str
    kind: str
    cases: tuple[CaseVerdict, ...]
    open_invoices_outside_cases: int

    @property
    def purgeable(self) -> bool:
        return bool(self.cases) and self.open_invoices_outside_cases == 0 and all(c.purgeable for c in self.cases)

    @property
    def blocking(self) -> list[CaseVerdict]:
        return [case for case in self.cases if not case.purgeable]


def _prescribed_from(
    kind: DebtorKind, invoices: Sequence[Invoice], payments: Mapping[str, Sequence[Payment]]
) -> date | None:
    """The day after the latest prescription date of ``invoices`` (C. civ. 2229); ``None`` without invoices."""
    if not invoices:
        return None
    last = max(
        prescription_date(
            prescription_start(kind, i.due_date, i.issue_date, i.delivered_on).day,
            kind,
            [p.paid_on for p in payments[i.id]],
        )
        for i in invoices
    )
    return last + timedelta(days=1)


def case_verdict(
    case: Case, prescribed: date | None, today: date, retention_days: int, closed_before: date | None
) -> CaseVerdict:
    """Whether ``case``, whose claims are all prescribed from ``prescribed``, may be purged on ``today``."""
    closed_on = case.closed_at.astimezone(PARIS).date() if case.closed_at else None

    def verdict(purgeable: bool, reason: str) -> CaseVerdict:
        return CaseVerdict(case.id, case.reference, case.status, closed_on, prescribed, purgeable, reason)

    if case.status != "closed" or closed_on is None:
        return verdict(False, "open")
    if closed_before is not None and closed_on >= closed_before:
        return verdict(False, "closed_after_before")
    if prescribed is not None and prescribed <= today:
        return verdict(True, "prescribed")
    if retention_days > 0 and closed_on + timedelta(days=retention_days) <= today:
        return verdict(True, "retention_period")
    return verdict(False, "not_yet")


def _case_invoices(session: Session, cases: Sequence[Case]) -> dict[str, list[Invoice]]:
    """Each case's invoices, in three queries for all of them (links, invoices, and none per case)."""
    links = session.execute(
        select(CaseInvoice.case_id, CaseInvoice.invoice_id).where(CaseInvoice.case_id.in_([c.id for c in cases]))
    ).all()
    invoices = session.execute(select(Invoice).where(Invoice.id.in_({invoice_id for _, invoice_id in links})))
    by_id = {invoice.id: invoice for invoice in invoices.scalars()}
    grouped: dict[str, list[Invoice]] = {case.id: [] for case in cases}
    for case_id, invoice_id in links:
        grouped[case_id].append(by_id[invoice_id])
    return grouped


def debtor_verdict(
    session: Session, debtor: Debtor, today: date, retention_days: int, closed_before: date | None = None
) -> DebtorVerdict:
    """The verdict on each case of ``debtor`` (oldest first) and its open invoices outside any case."""
    cases = list(
        session.execute(select(Case).where(Case.debtor_id == debtor.id).order_by(Case.created_at, Case.id)).scalars()
    )
    invoices = _case_invoices(session, cases)
    payments = payments_by_invoice(session, list({i.id: i for found in invoices.values() for i in found}.values()))
    kind = debtor_kind(debtor.kind)
    verdicts = tuple(
        case_verdict(case, _prescribed_from(kind, invoices[case.id], payments), today, retention_days, closed_before)
        for case in cases
    )
    in_cases = select(CaseInvoice.invoice_id)
    loose = session.execute(
        select(Invoice.id).where(Invoice.debtor_id == debtor.id, Invoice.status == "open", Invoice.id.not_in(in_cases))
    ).all()
    return DebtorVerdict(debtor.id, debtor.kind, verdicts, len(loose))


def purgeable_debtors(
    session: Session, tenant_id: str, now: datetime, retention_days: int, closed_before: date | None
) -> list[DebtorVerdict]:
    """The tenant's debtors not yet purged whose every case is purgeable, oldest debtor first."""
    today = now.astimezone(PARIS).date()
    with_closed = select(Case.debtor_id).where(Case.tenant_id == tenant_id, Case.status == "closed")
    debtors = session.execute(
        select(Debtor)
        .where(Debtor.tenant_id == tenant_id, Debtor.purged_at.is_(None), Debtor.id.in_(with_closed))
        .order_by(Debtor.created_at, Debtor.id)
    ).scalars()
    verdicts = (debtor_verdict(session, debtor, today, retention_days, closed_before) for debtor in debtors)
    return [verdict for verdict in verdicts if verdict.purgeable]
