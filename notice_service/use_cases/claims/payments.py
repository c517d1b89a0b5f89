"""Recording a payment received on an invoice (partial or full)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from notice_service.db import audit_repository
from notice_service.db.models.claims import Invoice, Payment
from notice_service.db.models.outbox import OutboxMessage
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id


@dataclass(frozen=True)
class PaymentInput:
    invoice_id: str
    amount: Decimal
    paid_on: date
    reference: str | None = None


def record_payment(services: Services, actor: Actor, data: PaymentInput) -> str:
    errors = []
    if data.amount <= 0:
        errors.append(FieldError("amount", 'a payment is a positive amount, e.g. "250.00"'))
    if data.reference is not None and len(data.reference) > 100:
        errors.append(FieldError("reference", "at most 100 characters"))
    today = services.clock.now().date()
    if data.paid_on > today:
        errors.append(FieldError("paid_on", "a payment date cannot be in the future"))
    if errors:
        raise InvalidInput("The payment cannot be recorded.", errors=errors)
    payment_id = new_id()
    now = services.clock.now()
    with services.db.transaction() as session:
        invoice = get_owned(session, Invoice, actor.tenant_id, data.invoice_id, lock=True)
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
        record = actor.record(
            "payment:recorded",
            "invoice",
            invoice.id,
            data={
                "payment_id": payment_id,
                "amount": format(data.amount, "f"),
                "paid_on": data.paid_on.isoformat(),
            },
        )
        audit_repository.append(session, actor.tenant_id, [record], now)
        session.add(
            OutboxMessage(
                tenant_id=actor.tenant_id,
                topic="payment.recorded",
                payload={
                    "payment_id": payment_id,
                    "invoice_id": invoice.id,
                    "amount": format(data.amount, "f"),
                    "currency": invoice.currency,
                    "paid_on": data.paid_on.isoformat(),
                    "reference": data.reference,
                },
                created_at=now,
                available_at=now,
                attempts=0,
            )
        )
    return payment_id
