"""Lists of debtors, invoices and payments (``GET /v1/debtors``, ``/v1/invoices``, ``/v1/payments``).

Newest first, keyset-paginated (``use_cases.listing``). Filters by id never reveal anything: an id that is not
one of the tenant's rows simply matches nothing. Debtors' ``q`` matches a part of the name (case-insensitive),
the SIREN (spaces ignored) or the reference of one of the debtor's cases, exactly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from notice_service.db.models.cases import Case
from notice_service.db.models.claims import CreditNote, Debtor, Invoice, Payment
from notice_service.domain.deadlines import PARIS
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.claims.queries import debtor_json, invoice_summary_json
from notice_service.use_cases.json_values import iso_or_none
from notice_service.use_cases.listing import MAX_LIMIT, Keyset, PageRequest, fetch_page, page_json

DEBTORS = Keyset("debtors", Debtor, Debtor.created_at)
INVOICES = Keyset("invoices", Invoice, Invoice.created_at)
PAYMENTS = Keyset("payments", Payment, Payment.created_at)


@dataclass(frozen=True)
class InvoiceFilters:
    """``overdue``: still open after its due date (as of today in Paris); ``due_before``: strictly."""

    debtor_id: str | None = None
    status: str | None = None
    overdue: bool | None = None
    due_before: date | None = None


def _like_pattern(q: str) -> str:
    """``%q%`` for LIKE, lower-cased, with ``%``, ``_`` and the escape character taken literally."""
    escaped = q.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _debtor_search(session: Session, tenant_id: str, q: str) -> ColumnElement[bool]:
    """Name contains ``q`` (any case), or the SIREN is ``q`` without spaces, or a case's reference is ``q``.
    The cases are looked up first, so the search is an OR of three index conditions (trigram, SIREN, ids)."""
    referenced = select(Case.debtor_id).where(Case.tenant_id == tenant_id, Case.reference == q)
    debtor_ids = list(session.execute(referenced.limit(MAX_LIMIT)).scalars())
    # the tenant inside the name's arm too, so the tenant-first trigram index (0013i_search) serves it
    named = and_(Debtor.tenant_id == tenant_id, func.lower(Debtor.name).like(_like_pattern(q), escape="/"))
    matches = [named, Debtor.siren == q.replace(" ", "")]
    if debtor_ids:
        matches.append(Debtor.id.in_(debtor_ids))
    return or_(*matches)


def list_debtors(services: Services, actor: Actor, q: str | None, page: PageRequest) -> dict[str, Any]:
    """A page of the tenant's debtors, optionally searched with ``q``."""
    with services.db.reading() as session:
        conditions = [_debtor_search(session, actor.tenant_id, q)] if q else []
        found = fetch_page(session, DEBTORS, actor.tenant_id, conditions, page)
        return page_json(found, [debtor_json(row) for row in found.rows])


def _invoice_conditions(filters: InvoiceFilters, today: date) -> list[ColumnElement[bool]]:
    """The SQL conditions of the invoice filters given."""
    conditions: list[ColumnElement[bool]] = []
    if filters.debtor_id is not None:
        conditions.append(Invoice.debtor_id == filters.debtor_id)
    if filters.status is not None:
        conditions.append(Invoice.status == filters.status)
    if filters.overdue is not None:
        late = and_(Invoice.status == "open", Invoice.due_date < today)
        conditions.append(late if filters.overdue else not_(late))
    if filters.due_before is not None:
        conditions.append(Invoice.due_date < filters.due_before)
    return conditions


def _by_invoice(session: Session, invoice_ids: list[str]) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The payments and the credit notes of a page's invoices, in one query each, by invoice, in date order."""
    payments: dict[str, list[Any]] = defaultdict(list)
    credits: dict[str, list[Any]] = defaultdict(list)
    if invoice_ids:
        paid = select(Payment).where(Payment.invoice_id.in_(invoice_ids)).order_by(Payment.paid_on, Payment.id)
        for payment in session.execute(paid).scalars():
            payments[payment.invoice_id].append(payment)
        noted = select(CreditNote).where(CreditNote.invoice_id.in_(invoice_ids))
        for note in session.execute(noted.order_by(CreditNote.issued_on, CreditNote.id)).scalars():
            credits[note.invoice_id].append(note)
    return payments, credits


def payment_json(payment: Payment) -> dict[str, Any]:
    """A payment as listed (with its invoice and when it was recorded)."""
    return {
        "id": payment.id,
        "invoice_id": payment.invoice_id,
        "amount": format(payment.amount, "f"),
        "paid_on": payment.paid_on.isoformat(),
        "reference": payment.reference,
        "created_at": iso_or_none(payment.created_at),
    }


def _invoice_item(invoice: Invoice, payments: list[Payment], credits: list[CreditNote], today: date) -> dict[str, Any]:
    """An invoice as listed: the summary its read model shares (``invoice_summary_json``) and its lateness."""
    overdue = invoice.status == "open" and invoice.due_date < today
    summary = invoice_summary_json(invoice, payments, credits)
    return {**summary, "overdue": overdue, "created_at": iso_or_none(invoice.created_at)}


def list_invoices(services: Services, actor: Actor, filters: InvoiceFilters, page: PageRequest) -> dict[str, Any]:
    """A page of the tenant's invoices matching ``filters``, each with what was paid and its balance."""
    today = services.clock.now().astimezone(PARIS).date()  # the legal calendar's day, as the case page's
    with services.db.reading() as session:
        found = fetch_page(session, INVOICES, actor.tenant_id, _invoice_conditions(filters, today), page)
        ids = [row.id for row in found.rows]
        payments, credits = _by_invoice(session, ids)
        items = [_invoice_item(row, payments[row.id], credits[row.id], today) for row in found.rows]
        return page_json(found, items)


def list_payments(services: Services, actor: Actor, invoice_id: str | None, page: PageRequest) -> dict[str, Any]:
    """A page of the payments recorded for the tenant, optionally of one invoice."""
    conditions = [Payment.invoice_id == invoice_id] if invoice_id is not None else []
    with services.db.reading() as session:
        found = fetch_page(session, PAYMENTS, actor.tenant_id, conditions, page)
        return page_json(found, [payment_json(row) for row in found.rows])
