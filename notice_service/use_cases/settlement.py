"""Settling a case, shared by payments, credit notes and the case's own life-cycle.

A case closes itself as ``paid`` in the transaction of the payment or credit note that brings its balance to
zero: the balance is the invoices' balance as ``GET /v1/invoices/{id}`` shows it (amount − payments − credit
notes), summed over the case's invoices. Late-payment penalties and indemnities still claimable do not keep it
open (reopen it to claim them): a credit team stops chasing a debtor who paid the invoices.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.case_progress import refresh_unpaid_due
from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import CreditNote, Invoice, Payment
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.webhook_events import EventType
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.pause_endings import end_case_pauses


def close_case_row(
    session: Session, actor: Actor, case: Case, reason: str, note: str | None, now: datetime, *, automatic: bool
) -> None:
    """Mark ``case`` closed, append ``case:closed`` and queue ``case.closed``; ``automatic`` when it closed itself.
    Its running pauses end (``pause_endings.end_case_pauses``)."""
    case.status, case.closed_reason, case.closed_note, case.closed_at = "closed", reason, note, now
    data = {"case_id": case.id, "reason": reason, "note": note, "automatic": automatic, "closed_at": now.isoformat()}
    record = actor.record("case:closed", "case", case.id, data={"reason": reason, "automatic": automatic})
    audit_repository.append(session, actor.tenant_id, [record], now)
    queue_event(session, tenant_id=actor.tenant_id, topic=EventType.CASE_CLOSED.value, payload=data, at=now)
    end_case_pauses(session, actor, case.id, reason, now)  # its running promises and pauses end with it


def invoice_balance(session: Session, invoice: Invoice) -> Decimal:
    """Amount − payments − credit notes, as committed plus what ``session`` has flushed."""
    paid = session.execute(select(Payment.amount).where(Payment.invoice_id == invoice.id)).scalars()
    credited = session.execute(select(CreditNote.amount).where(CreditNote.invoice_id == invoice.id)).scalars()
    return invoice.amount_due - sum(paid, Decimal(0)) - sum(credited, Decimal(0))


def sync_invoice_status(session: Session, invoice: Invoice) -> None:
    """Keep the stored ``invoices.status`` (the lists filter on it) equal to what the invoice is: ``cancelled``
    once cancelled, else ``paid`` when payments and credit notes cover it, else ``open``; when it changes, move
    the earliest unpaid due date of its cases (the cases list's next step)."""
    if invoice.cancelled_at is not None:
        status = "cancelled"
    else:
        status = "paid" if invoice_balance(session, invoice) <= 0 else "open"
    if invoice.status != status:
        invoice.status = status
        refresh_unpaid_due(session, invoice_id=invoice.id)


def cases_of_invoice(session: Session, invoice_id: str) -> list[str]:
    """The ids of the cases that list ``invoice_id``."""
    query = select(CaseInvoice.case_id).where(CaseInvoice.invoice_id == invoice_id).order_by(CaseInvoice.case_id)
    return list(session.execute(query).scalars())


def close_paid_cases(session: Session, actor: Actor, case_ids: list[str], now: datetime) -> list[str]:
    """In the caller's transaction: close as ``paid`` each open case of ``case_ids`` whose invoices' balance is
    now zero or less (or that has no invoice left); answers their ids."""
    closed = []
    for case_id in case_ids:
        case = get_owned(session, Case, actor.tenant_id, case_id, lock=True)
        if case.status == "closed":
            continue
        invoices = (
            session.execute(
                select(Invoice)
                .join(CaseInvoice, CaseInvoice.invoice_id == Invoice.id)
                .where(CaseInvoice.case_id == case_id)
            )
            .scalars()
            .all()
        )
        if sum((invoice_balance(session, invoice) for invoice in invoices), Decimal(0)) <= 0:
            close_case_row(session, actor, case, "paid", None, now, automatic=True)
            closed.append(case_id)
    return closed
