"""Credit notes (avoirs) on an invoice, and cancelling an invoice (a credit note for its whole amount).

A credit note has a number unique in the tenant (like invoices), a date (not before the invoice's issue date,
not in the future) and a positive amount of at most the invoice's balance (amount − payments − credit notes),
so an invoice is never credited below zero. It reduces the balance and appears in the décompte (see
``domain.statement``) and the dossier. When credit notes cover the invoice's whole amount it leaves its cases
(``case:invoice_removed``); a case whose balance reaches zero then closes itself as ``paid``
(``cases.lifecycle``). Cancelling is refused once payments were received (credit the rest instead).
Everything is audited and announced in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.cases import CaseInvoice
from notice_service.db.models.claims import CreditNote, Invoice, Payment
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.money import has_cents_precision
from notice_service.domain.webhook_events import EventType
from notice_service.errors import Conflict, FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.settlement import cases_of_invoice, close_paid_cases, invoice_balance, sync_invoice_status


@dataclass(frozen=True)
class CreditNoteInput:
    invoice_id: str
    number: str
    issued_on: date
    amount: Decimal | None  # None: the invoice's whole amount (cancellation)
    reason: str | None = None


def _validate(data: CreditNoteInput, today: date) -> None:
    """A number of 1 to 64 characters, a positive amount in cents, a date not after ``today``, a short reason."""
    errors = []
    if not 1 <= len(data.number.strip()) <= 64:
        errors.append(FieldError("number", "the credit note's number, 1 to 64 characters"))
    if data.amount is not None and not (data.amount > 0 and has_cents_precision(data.amount)):
        errors.append(FieldError("amount", 'a credit note is a positive amount with at most 2 decimals, e.g. "50.00"'))
    if data.issued_on > today:
        errors.append(FieldError("issued_on", "a credit note cannot be dated in the future"))
    if data.reason is not None and len(data.reason) > 200:
        errors.append(FieldError("reason", "at most 200 characters"))
    if errors:
        raise InvalidInput("The credit note cannot be recorded.", errors=errors)


def _check_against(session: Session, tenant_id: str, invoice: Invoice, data: CreditNoteInput, amount: Decimal) -> None:
    """Against the stored state: not before the invoice, a free number, at most the invoice's balance."""
    if data.issued_on < invoice.issue_date:
        raise InvalidInput(
            "The credit note cannot be recorded.",
            errors=[FieldError("issued_on", "a credit note cannot precede the invoice's issue date")],
        )
    taken = select(CreditNote.id).where(CreditNote.tenant_id == tenant_id, CreditNote.number == data.number.strip())
    if session.execute(taken).first():
        raise Conflict(
            f"A credit note numbered {data.number!r} is already recorded.",
            errors=[FieldError("number", "already used by another credit note of this tenant")],
        )
    balance = invoice_balance(session, invoice)
    if amount > balance:
        raise InvalidInput(
            f"The credit note exceeds the invoice's balance of {balance} {invoice.currency}.",
            errors=[FieldError("amount", f"at most the invoice's balance, {balance}")],
            extra={"balance": format(balance, "f")},
        )


def _leave_cases(session: Session, actor: Actor, invoice: Invoice, case_ids: list[str], now: datetime) -> None:
    """A fully credited invoice leaves its cases, each audited ``case:invoice_removed``."""
    session.execute(delete(CaseInvoice).where(CaseInvoice.invoice_id == invoice.id))
    records = [
        actor.record("case:invoice_removed", "case", cid, data={"invoice_id": invoice.id, "why": "fully_credited"})
        for cid in case_ids
    ]
    if records:
        audit_repository.append(session, actor.tenant_id, records, now)


def _add(
    session: Session, actor: Actor, invoice: Invoice, data: CreditNoteInput, amount: Decimal, now: datetime
) -> str:
    """The credit note's row and its ``credit_note:recorded`` audit record (on the invoice); its id."""
    note_id = new_id()
    number = data.number.strip()
    session.add(
        CreditNote(
            id=note_id,
            tenant_id=actor.tenant_id,
            invoice_id=invoice.id,
            number=number,
            issued_on=data.issued_on,
            amount=amount,
            reason=data.reason,
            created_at=now,
        )
    )
    session.flush()
    details = {"credit_note_id": note_id, "number": number, "amount": format(amount, "f")}
    record = actor.record(
        "credit_note:recorded", "invoice", invoice.id, data={**details, "issued_on": str(data.issued_on)}
    )
    audit_repository.append(session, actor.tenant_id, [record], now)
    payload = {**details, "invoice_id": invoice.id, "issued_on": data.issued_on.isoformat(), "reason": data.reason}
    queue_event(session, tenant_id=actor.tenant_id, topic=EventType.CREDIT_NOTE_RECORDED.value, payload=payload, at=now)
    return note_id


def _after_credit(session: Session, actor: Actor, invoice: Invoice, now: datetime) -> None:
    """Fully credited: the invoice leaves its cases; then close the cases whose balance is zero."""
    sync_invoice_status(session, invoice)
    case_ids = cases_of_invoice(session, invoice.id)
    credited = session.execute(select(CreditNote.amount).where(CreditNote.invoice_id == invoice.id)).scalars()
    if sum(credited, Decimal(0)) >= invoice.amount_due:
        _leave_cases(session, actor, invoice, case_ids, now)
    close_paid_cases(session, actor, case_ids, now)


def record_credit_note(services: Services, actor: Actor, data: CreditNoteInput) -> str:
    """Record a credit note of ``data.amount`` on one of the tenant's invoices; its id."""
    _validate(data, services.clock.now().date())
    now = services.clock.now()
    with services.db.transaction() as session:
        invoice = get_owned(session, Invoice, actor.tenant_id, data.invoice_id, lock=True)
        if invoice.cancelled_at is not None:
            raise Conflict("The invoice is cancelled: nothing is left to credit.")
        amount = data.amount if data.amount is not None else invoice_balance(session, invoice)
        _check_against(session, actor.tenant_id, invoice, data, amount)
        note_id = _add(session, actor, invoice, data, amount, now)
        _after_credit(session, actor, invoice, now)
    return note_id


def cancel_invoice(services: Services, actor: Actor, data: CreditNoteInput) -> str:
    """Cancel an invoice by a credit note for all that is not credited yet (``data.amount`` is ignored); refused
    when it is already cancelled or payments were received on it. The credit note's id."""
    _validate(
        CreditNoteInput(data.invoice_id, data.number, data.issued_on, None, data.reason), services.clock.now().date()
    )
    now = services.clock.now()
    with services.db.transaction() as session:
        invoice = get_owned(session, Invoice, actor.tenant_id, data.invoice_id, lock=True)
        if invoice.cancelled_at is not None:
            raise Conflict("The invoice is already cancelled.")
        if session.execute(select(Payment.id).where(Payment.invoice_id == invoice.id)).first():
            raise Conflict(
                "Payments were received on this invoice, so it cannot be cancelled: record a credit note for its "
                "balance instead (POST /v1/invoices/{id}/credit-notes)."
            )
        amount = invoice_balance(session, invoice)
        _check_against(session, actor.tenant_id, invoice, data, amount)
        note_id = _add(session, actor, invoice, data, amount, now) if amount > 0 else ""
        invoice.cancelled_at = now
        record = actor.record("invoice:cancelled", "invoice", invoice.id, data={"credit_note_id": note_id})
        audit_repository.append(session, actor.tenant_id, [record], now)
        payload = {"invoice_id": invoice.id, "credit_note_id": note_id, "reason": data.reason}
        queue_event(
            session, tenant_id=actor.tenant_id, topic=EventType.INVOICE_CANCELLED.value, payload=payload, at=now
        )
        _after_credit(session, actor, invoice, now)
    return note_id
