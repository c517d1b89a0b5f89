"""Registering an unpaid invoice, with an optional PDF copy archived WORM before the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.claims import Debtor, Invoice
from notice_service.db.models.tenants import Tenant
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import DocumentRef, JsonValue, RecordDraft
from notice_service.domain.contract_rate import clause_problem, floor_problem, parse_term, term_json
from notice_service.domain.deadlines import PARIS
from notice_service.domain.rates import half_years_between
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
from notice_service.use_cases.official_rates import current_rate_tables
from notice_service.use_cases.uploads import refuse_unsafe_content

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
    contractual_rate: object | None = None
    penalty_clause: str | None = None
    delivered_on: date | None = None


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
    errors.extend(_term_errors(data))
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
        refuse_unsafe_content(data.pdf, "application/pdf", "pdf_base64", refused="The invoice copy is not accepted")
    return errors


def _term_errors(data: InvoiceInput) -> list[FieldError]:
    """The invoice's own CGV rate (a percentage or ``"3x_legal"``) and clause text, when given."""
    errors = []
    if data.contractual_rate is not None:
        try:
            parse_term(data.contractual_rate)
        except ValueError as exc:
            errors.append(FieldError("contractual_rate", str(exc)))
    if data.penalty_clause is not None:
        problem = clause_problem(data.penalty_clause)
        if problem:
            errors.append(FieldError("penalty_clause", problem))
    return errors


def _check_debtor(services: Services, tenant_id: str, data: InvoiceInput) -> None:
    """The invoice's debtor must be one of the tenant's (read before the copy is stored), and its own CGV rate
    must fit it (``_contract_errors``)."""
    with services.db.reading() as session:
        try:
            debtor = get_owned(session, Debtor, tenant_id, data.debtor_id)
        except NotFound as exc:
            raise InvalidInput(exc.detail, errors=[FieldError("debtor_id", "no such debtor")]) from exc
        profile = session.get_one(Tenant, tenant_id).profile
    if data.contractual_rate is None:
        return
    errors = _contract_errors(services, data, debtor.kind, profile)
    if errors:
        raise InvalidInput("The invoice's contractual rate cannot be used.", errors=errors)


def _contract_errors(services: Services, data: InvoiceInput, kind: str, profile: dict[str, Any]) -> list[FieldError]:
    """A CGV penalty rate is for a business debtor (a consumer owes the taux légal), is not under the L441-10 II
    floor of any half-year from the day after the due date to today whose taux légal is known, and has a
    clause text to print (the invoice's or the profile's)."""
    if kind != "business":
        return [FieldError("contractual_rate", "a consumer owes interest at the taux légal, not a CGV penalty rate")]
    errors = []
    if data.penalty_clause is None and profile.get("penalty_clause") is None:
        errors.append(FieldError("penalty_clause", "give the text of the CGV clause that sets this rate"))
    today = services.clock.now().astimezone(PARIS).date()
    half_years = half_years_between(data.due_date + timedelta(days=1), max(today, data.due_date + timedelta(days=1)))
    problem = floor_problem(current_rate_tables(services), parse_term(data.contractual_rate), half_years)
    if problem:
        errors.append(FieldError("contractual_rate", problem))
    return errors


def _registered_record(actor: Actor, invoice_id: str, data: InvoiceInput, stored: StoredObject | None) -> RecordDraft:
    """The ``invoice:registered`` audit record, naming the archived copy's digest if there is one."""
    documents = (DocumentRef("invoice_copy", stored.sha256),) if stored else ()
    return actor.record(
        "invoice:registered",
        "invoice",
        invoice_id,
        documents=documents,
        data=_record_data(data),
    )


def _record_data(data: InvoiceInput) -> dict[str, JsonValue]:
    """What the audit record keeps of the invoice: amount, due date, and its own terms when it has them."""
    recorded: dict[str, JsonValue] = {"amount_due": format(data.amount_due, "f"), "due_date": data.due_date.isoformat()}
    if data.contractual_rate is not None:
        recorded["contractual_rate"] = term_json(parse_term(data.contractual_rate))
    if data.delivered_on is not None:
        recorded["delivered_on"] = data.delivered_on.isoformat()
    return recorded


def register_invoice(services: Services, actor: Actor, data: InvoiceInput) -> str:
    """Register an unpaid invoice of the tenant's debtor; its PDF copy, if any, is stored WORM first. Its id."""
    errors = validate_invoice(data, services.settings.max_upload_bytes)
    if errors:
        raise InvalidInput("The invoice cannot be registered.", errors=errors)
    _check_debtor(services, actor.tenant_id, data)
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
                contractual_rate=None
                if data.contractual_rate is None
                else term_json(parse_term(data.contractual_rate)),
                penalty_clause=data.penalty_clause,
                delivered_on=data.delivered_on,
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
