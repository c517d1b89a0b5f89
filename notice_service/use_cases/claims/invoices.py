"""Registering an unpaid invoice, with an optional PDF copy archived WORM before the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.claims import Debtor, Invoice
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import DocumentRef, RecordDraft
from notice_service.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from notice_service.ports import StoredObject
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id

MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class InvoiceInput:
    debtor_id: str
    number: str
    issue_date: date
    due_date: date
    amount_due: Decimal
    currency: str = "EUR"
    pdf: bytes | None = None


def looks_like_pdf(data: bytes) -> bool:
    """A PDF starts with ``%PDF-`` and ends (give or take trailing whitespace) with ``%%EOF``."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


def validate_invoice(data: InvoiceInput, max_upload_bytes: int) -> list[FieldError]:
    errors = []
    if not data.number.strip() or len(data.number) > 64:
        errors.append(FieldError("number", "give the invoice number (1 to 64 characters)"))
    if data.due_date < data.issue_date:
        errors.append(FieldError("due_date", "the due date cannot be before the issue date"))
    if data.amount_due <= 0 or data.amount_due > MAX_AMOUNT:
        errors.append(FieldError("amount_due", 'the amount due must be positive, e.g. "1234.56"'))
    if data.currency != "EUR":
        errors.append(FieldError("currency", "only EUR is supported"))
    if data.pdf is not None:
        if len(data.pdf) > max_upload_bytes:
            raise PayloadTooLarge(
                f"The PDF copy is larger than {max_upload_bytes} bytes.",
                errors=[FieldError("pdf", "file too large")],
            )
        if not looks_like_pdf(data.pdf):
            raise UnsupportedMediaType(
                "The invoice copy must be a PDF file.",
                errors=[FieldError("pdf", "not a PDF (no %PDF- header)")],
            )
    return errors


def _check_debtor(services: Services, tenant_id: str, debtor_id: str) -> None:
    """The invoice's debtor must be one of the tenant's (read before the copy is stored)."""
    with services.db.reading() as session:
        try:
            get_owned(session, Debtor, tenant_id, debtor_id)
        except NotFound as exc:
            raise InvalidInput(exc.detail, errors=[FieldError("debtor_id", "no such debtor")]) from exc


def _registered_record(actor: Actor, invoice_id: str, data: InvoiceInput, stored: StoredObject | None) -> RecordDraft:
    """The ``invoice:registered`` audit record, naming the archived copy's digest if there is one."""
    documents = (DocumentRef("invoice_copy", stored.sha256),) if stored else ()
    return actor.record(
        "invoice:registered",
        "invoice",
        invoice_id,
        documents=documents,
        data={"amount_due": format(data.amount_due, "f"), "due_date": data.due_date.isoformat()},
    )


def register_invoice(services: Services, actor: Actor, data: InvoiceInput) -> str:
    """Register an unpaid invoice of the tenant's debtor; its PDF copy, if any, is stored WORM first. Its id."""
    errors = validate_invoice(data, services.settings.max_upload_bytes)
    if errors:
        raise InvalidInput("The invoice cannot be registered.", errors=errors)
    _check_debtor(services, actor.tenant_id, data.debtor_id)
    stored = None
    if data.pdf is not None:
        stored = services.store.put(data.pdf, content_type="application/pdf", document_class="invoice")
    invoice_id = new_id()
    now = services.clock.now()
    with services.db.transaction() as session:
        _refuse_duplicate_number(session, actor.tenant_id, data.number)
        session.add(
            Invoice(
                id=invoice_id,
                tenant_id=actor.tenant_id,
                debtor_id=data.debtor_id,
                number=data.number.strip(),
                issue_date=data.issue_date,
                due_date=data.due_date,
                amount_due=data.amount_due,
                currency=data.currency,
                document_key=stored.key if stored else None,
                document_sha256=stored.sha256 if stored else None,
                created_at=now,
            )
        )
        session.flush()
        record = _registered_record(actor, invoice_id, data, stored)
        audit_repository.append(session, actor.tenant_id, [record], now)
    return invoice_id


def _refuse_duplicate_number(session: Session, tenant_id: str, number: str) -> None:
    exists = session.execute(
        select(Invoice.id).where(Invoice.tenant_id == tenant_id, Invoice.number == number.strip())
    ).first()
    if exists:
        raise Conflict(
            f"An invoice numbered {number!r} is already registered.",
            errors=[FieldError("number", "already used by another invoice of this tenant")],
        )
