"""The décompte of a case as of a date, as JSON-ready data (amounts as decimal strings).

Loads the case's invoices and payments and hands them to the domain's statement computation
(``notice_service.domain.statement``); the tenant's profile chooses the day count (``actual/365`` by default)
and the imputation of partial payments (interest first by default, C. civ. 1343-1). ``without_interest`` is
the décompte of a letter that claims none (the pre-reminder).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.cases import CaseInvoice
from notice_service.db.models.claims import CreditNote, Invoice, Payment
from notice_service.domain import statement as domain
from notice_service.domain.arrete import arrete_sentence, interest_stop
from notice_service.domain.credit_notes import CreditNote as DomainCreditNote
from notice_service.domain.interest import DayCount, DebtorKind
from notice_service.domain.money import quantize_cents
from notice_service.domain.rates import RateTables
from notice_service.domain.statement import Imputation, StatementLine, StatementTerms, build_statement


def load_case_invoices(session: Session, case_id: str) -> list[Invoice]:
    return list(
        session.execute(
            select(Invoice)
            .join(CaseInvoice, CaseInvoice.invoice_id == Invoice.id)
            .where(CaseInvoice.case_id == case_id)
            .order_by(CaseInvoice.position)
        ).scalars()
    )


def load_payments(session: Session, invoice_ids: list[str], as_of: date) -> list[Payment]:
    return list(
        session.execute(
            select(Payment)
            .where(Payment.invoice_id.in_(invoice_ids), Payment.paid_on <= as_of)
            .order_by(Payment.paid_on, Payment.created_at)
        ).scalars()
    )


def load_credit_notes(session: Session, invoice_ids: list[str], as_of: date) -> list[CreditNote]:
    """The credit notes of ``invoice_ids`` issued up to ``as_of``, in date order."""
    return list(
        session.execute(
            select(CreditNote)
            .where(CreditNote.invoice_id.in_(invoice_ids), CreditNote.issued_on <= as_of)
            .order_by(CreditNote.issued_on, CreditNote.created_at)
        ).scalars()
    )


def _money(value: Decimal) -> str:
    return format(quantize_cents(value), "f")


def statement_terms(debtor_kind: str, as_of: date, profile: Mapping[str, Any]) -> StatementTerms:
    """The décompte's settings: the debtor's kind and the tenant's day-count and imputation choices."""
    return StatementTerms(
        debtor_kind=DebtorKind.BUSINESS if debtor_kind == "business" else DebtorKind.CONSUMER,
        as_of=as_of,
        day_count=DayCount(profile.get("day_count", DayCount.ACTUAL_365.value)),
        imputation=Imputation(profile.get("imputation", Imputation.INTEREST_FIRST.value)),
    )


def _line_json(line: StatementLine) -> dict[str, Any]:
    return {
        "invoice_id": line.invoice_id,
        "number": line.number,
        "issue_date": line.issue_date.isoformat(),
        "due_date": line.due_date.isoformat(),
        "amount_due": _money(line.amount),
        "paid": _money(line.paid),
        "balance": _money(line.amount - line.paid - line.credited),
        "interest": _money(line.interest),
        "indemnity": _money(line.indemnity),
        "periods": [
            {
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "days": period.days,
                "rate": format(period.rate, "f"),
                "amount": _money(period.display_amount),
            }
            for period in line.periods
        ],
        "credited": _money(line.credited),
        "credit_notes": [
            {"number": note.number, "issued_on": note.issued_on.isoformat(), "amount": _money(note.amount)}
            for note in line.credit_notes
        ],
    }


def compute_case_statement(
    invoices: list[Invoice],
    payments: list[Payment],
    terms: StatementTerms,
    tables: RateTables,
    credit_notes: list[CreditNote] | None = None,
    interest_until: str | None = None,
) -> dict[str, Any]:
    """The décompte as JSON: totals and, per invoice, amounts, credit notes and interest periods (amounts as
    strings). ``credited`` (the avoirs, a line of its own) is taken off the total like ``paid``.

    ``interest_until="last_confirmed"`` asks for the arrêté (``domain/arrete.py``): when ``as_of`` is past
    the confirmed rates, interest stops at their last day and ``arrete`` carries the sentence claiming the
    later interest; ``interest_until`` is that day (``None`` without an arrêté)."""
    stop = interest_stop(tables, terms.as_of, interest_until)
    terms = replace(terms, interest_until=stop)
    statement = build_statement(
        [domain.Invoice(i.id, i.number, i.issue_date, i.due_date, i.amount_due) for i in invoices],
        [domain.Payment(p.amount, p.paid_on, p.invoice_id) for p in payments],
        terms=terms,
        tables=tables,
        credit_notes=[DomainCreditNote(c.amount, c.issued_on, c.invoice_id, c.number) for c in credit_notes or []],
    )
    return {
        "as_of": statement.as_of.isoformat(),
        "principal": _money(statement.principal),
        "interest": _money(statement.interest),
        "indemnities": _money(statement.indemnities),
        "paid": _money(statement.paid),
        "credited": _money(statement.credited),
        "total": _money(statement.total),
        "day_count": terms.day_count.value,
        "imputation": terms.imputation.value,
        "invoices": [_line_json(line) for line in statement.lines],
        "interest_until": stop.isoformat() if stop else None,
        "arrete": arrete_sentence(stop, terms.debtor_kind, terms.contractual_rate) if stop else None,
    }


def without_interest(statement: dict[str, Any]) -> dict[str, Any]:
    """The décompte of a letter that claims no interest (a pre-reminder, sent before the due date): the
    balances only, interest, indemnities and their periods left out, the total being principal − paid − credited."""
    zero = _money(Decimal(0))
    total = Decimal(statement["principal"]) - Decimal(statement["paid"]) - Decimal(statement.get("credited", "0"))
    invoices = [{**line, "interest": zero, "indemnity": zero, "periods": []} for line in statement["invoices"]]
    return {**statement, "interest": zero, "indemnities": zero, "total": _money(total), "invoices": invoices}
