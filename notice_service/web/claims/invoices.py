"""``/v1/invoices``: register invoices (with an optional PDF copy), list and read them, their payments and credit
notes, and cancel them."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal

from flask import Blueprint, Response

from notice_service.errors import FieldError, InvalidInput
from notice_service.use_cases.claims.credit_notes import CreditNoteInput, cancel_invoice, record_credit_note
from notice_service.use_cases.claims.invoices import InvoiceInput, register_invoice
from notice_service.use_cases.claims.listing import InvoiceFilters, list_invoices
from notice_service.use_cases.claims.payments import PaymentInput, record_payment
from notice_service.use_cases.claims.queries import get_invoice
from notice_service.web.claims.schemas import (
    CreditNoteCreate,
    InvoiceCancel,
    InvoiceCreate,
    InvoiceListQuery,
    InvoiceOut,
    InvoicePage,
    PaymentCreate,
)
from notice_service.web.context import actor, services
from notice_service.web.idempotency import idempotent
from notice_service.web.listing import parse_query
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response

invoices = Blueprint("invoices", __name__, url_prefix="/v1/invoices")


def _decode_pdf(encoded: str | None) -> bytes | None:
    if encoded is None:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            "The PDF copy is not valid base64.", errors=[FieldError("pdf_base64", "not base64")]
        ) from exc


@operation(
    invoices,
    "",
    "POST",
    "Register an invoice",
    request_model=InvoiceCreate,
    response_model=InvoiceOut,
    status=201,
    idempotent=True,
    creates="invoice_id",
)
@idempotent
def create_invoice() -> Response:
    body = parse_json(InvoiceCreate)
    data = InvoiceInput(
        debtor_id=body.debtor_id,
        number=body.number,
        issue_date=body.issue_date,
        due_date=body.due_date,
        amount_due=Decimal(body.amount_due),
        currency=body.currency,
        pdf=_decode_pdf(body.pdf_base64),
        contractual_rate=body.contractual_rate,
        penalty_clause=body.penalty_clause,
        delivered_on=body.delivered_on,
    )
    invoice_id = register_invoice(services(), actor(), data)
    return json_response(InvoiceOut, get_invoice(services(), actor(), invoice_id), 201, f"/v1/invoices/{invoice_id}")


@operation(invoices, "/<invoice_id>", "GET", "Read an invoice with its payments", response_model=InvoiceOut)
def read_invoice(invoice_id: str) -> Response:
    return json_response(InvoiceOut, get_invoice(services(), actor(), invoice_id))


@operation(
    invoices,
    "/<invoice_id>/payments",
    "POST",
    "Record a payment on an invoice",
    request_model=PaymentCreate,
    response_model=InvoiceOut,
    status=201,
    idempotent=True,
)
@idempotent
def create_payment(invoice_id: str) -> Response:
    body = parse_json(PaymentCreate)
    data = PaymentInput(
        invoice_id=invoice_id, amount=Decimal(body.amount), paid_on=body.paid_on, reference=body.reference
    )
    record_payment(services(), actor(), data)
    return json_response(InvoiceOut, get_invoice(services(), actor(), invoice_id), 201)


@operation(
    invoices,
    "/<invoice_id>/credit-notes",
    "POST",
    "Record a credit note (avoir) on an invoice",
    request_model=CreditNoteCreate,
    response_model=InvoiceOut,
    status=201,
    idempotent=True,
)
@idempotent
def create_credit_note(invoice_id: str) -> Response:
    body = parse_json(CreditNoteCreate)
    data = CreditNoteInput(invoice_id, body.number, body.issued_on, Decimal(body.amount), body.reason)
    record_credit_note(services(), actor(), data)
    return json_response(InvoiceOut, get_invoice(services(), actor(), invoice_id), 201)


@operation(
    invoices,
    "/<invoice_id>/cancel",
    "POST",
    "Cancel an invoice by a credit note for its whole amount",
    request_model=InvoiceCancel,
    response_model=InvoiceOut,
    idempotent=True,
)
@idempotent
def cancel(invoice_id: str) -> Response:
    body = parse_json(InvoiceCancel)
    cancel_invoice(
        services(), actor(), CreditNoteInput(invoice_id, body.credit_note_number, body.issued_on, None, body.reason)
    )
    return json_response(InvoiceOut, get_invoice(services(), actor(), invoice_id))


@operation(invoices, "", "GET", "List invoices", query_model=InvoiceListQuery, response_model=InvoicePage)
def list_invoices_route() -> Response:
    """The tenant's invoices, newest first, filtered by debtor, status, lateness and due date."""
    who = actor()
    query = parse_query(InvoiceListQuery)
    filters = InvoiceFilters(query.debtor_id, query.status, query.overdue, query.due_before)
    return json_response(InvoicePage, list_invoices(services(), who, filters, query.page()))
