"""Recording a payment received on an invoice (partial or full)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from notice_service.db import audit_repository
from notice_service.db.models.claims import Invoice, Payment
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import RecordDraft
from notice_service.errors import Conflict, FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.settlement import cases_of_invoice, close_paid_cases, sync_invoice_status


@dataclass(frozen=True)
class PaymentInput:
    invoice_id: str
    amount: Decimal
    paid_on: date
    reference: str | None = None


def _validate_payment(data: PaymentInput, today: date) -> None:
    """A positive amount, a reference of at most 100 characters, a payment date not after ``today``."""
    errors = []
    if data.amount <= 0:
        errors.append(FieldError("amount", 'a payment is a positive amount, e.g. "250.00"'))
    if data.reference is not None and len(data.reference) > 100:
        errors.append(FieldError("reference", "at most 100 characters"))
    if data.paid_on > today:
        errors.append(FieldError("paid_on", "a payment date cannot be in the future"))
    if errors:
        raise InvalidInput("The payment cannot be recorded.", errors=errors)


def _recorded_record(actor: Actor, invoice_id: str, payment_id: str, data: PaymentInput) -> RecordDraft:
    """The ``payment:recorded`` audit record, on the invoice."""
    return actor.record(
        "payment:recorded",
        "invoice",
        invoice_id,
        data={
            "payment_id": payment_id,
            "amount": format(data.amount, "f"),
            "paid_on": data.paid_on.isoformat(),
        },
    )


def _recorded_payload(payment_id: str, invoice: Invoice, data: PaymentInput) -> dict[str, Any]:
    """The ``payment.recorded`` event's data."""
    return {
        "payment_id": payment_id,
        "invoice_id": invoice.id,
        "amount": format(data.amount, "f"),
        "currency": invoice.currency,
        "paid_on": data.paid_on.isoformat(),
        "reference": data.reference,
    }


def record_payment(services: Services, actor: Actor, data: PaymentInput) -> str:
    """Record a payment on one of the tenant's invoices, audited and announced (``payment.recorded``); its id.
    A case whose balance it brings to zero closes itself as ``paid`` in the same transaction."""
    _validate_payment(data, services.clock.now().date())
    payment_id = new_id()
    now = services.clock.now()
    with services.db.transaction() as session:
        invoice = get_owned(session, Invoice, actor.tenant_id, data.invoice_id, lock=True)
        if invoice.cancelled_at is not None:
            raise Conflict("The invoice is cancelled: a payment on it cannot be recorded.")
        if data.paid_on < invoice.issue_date:
            raise InvalidInput(
                "The payment cannot be recorded.",
                errors=[FieldError("paid_on", "a payment cannot precede the invoice's issue date")],
            )
        session.add(
            Payment(
                id=payment_id,
                tenant_id=actor.tenant_id,
                invoice_id=invoice.id,
                amount=data.amount,
                paid_on=data.paid_on,
                reference=data.reference,
                created_at=now,
            )
        )
        session.flush()
        sync_invoice_status(session, invoice)
        record = _recorded_record(actor, invoice.id, payment_id, data)
        audit_repository.append(session, actor.tenant_id, [record], now)
        queue_event(
            session,
            tenant_id=actor.tenant_id,
            topic="payment.recorded",
            payload=_recorded_payload(payment_id, invoice, data),
            at=now,
        )
        close_paid_cases(session, actor, cases_of_invoice(session, invoice.id), now)
    return payment_id
