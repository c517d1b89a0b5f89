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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notice_service.db.models.cases import CaseInvoice
from notice_service.db.models.claims import CreditNote, Invoice, Payment
from notice_service.db.models.delivery import NoticeDeadline
from notice_service.db.models.notices import Notice
from notice_service.domain import statement as domain
from notice_service.domain.arrete import arrete_sentence, interest_stop
from notice_service.domain.contract_rate import parse_term
from notice_service.domain.credit_notes import CreditNote as DomainCreditNote
from notice_service.domain.interest import DayCount, RateBasis, StatutoryRate
from notice_service.domain.interest import debtor_kind as kind_of
from notice_service.domain.money import quantize_cents
from notice_service.domain.rate_wording import basis_code, basis_wording, day_count_fr, imputation_fr, period_formula
from notice_service.domain.rates import HalfYear, RateTables
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


def first_receipt(session: Session, case_id: str, as_of: date) -> date | None:
    """The day the case's first mise en demeure was received (or deemed received), if on or before ``as_of``:
    a consumer's interest at the taux légal runs from the next day (C. civ. 1231-6, 1344-1; issue 12 finding 7,
    so that every letter after the receipt claims what the dossier will)."""
    return session.execute(
        select(func.min(NoticeDeadline.receipt_on))
        .join(Notice, Notice.id == NoticeDeadline.notice_id)
        .where(Notice.case_id == case_id, Notice.kind == "formal_notice", NoticeDeadline.receipt_on <= as_of)
    ).scalar_one_or_none()


def _money(value: Decimal) -> str:
    return format(quantize_cents(value), "f")


def statement_terms(debtor_kind: str, as_of: date, profile: Mapping[str, Any]) -> StatementTerms:
    """The décompte's settings: the debtor's kind and the tenant's day-count, imputation and CGV rate choices
    (the CGV rate applies to business debtors only: a consumer owes the taux légal)."""
    business = debtor_kind == "business"
    cgv_rate = profile.get("contractual_rate") if business else None
    return StatementTerms(
        debtor_kind=kind_of(debtor_kind),
        as_of=as_of,
        day_count=DayCount(profile.get("day_count", DayCount.ACTUAL_365.value)),
        imputation=Imputation(profile.get("imputation", Imputation.INTEREST_FIRST.value)),
        contractual_rate=None if cgv_rate is None else parse_term(cgv_rate),
    )


def _basis_json(line: StatementLine, clause: str | None) -> dict[str, Any]:
    """Which rate basis applies to the line and why, in French, with the clause text for a CGV rate."""
    basis = line.basis or StatutoryRate()
    contractual = basis_code(basis) in ("contractual", "three_times_legal")
    return {"kind": basis_code(basis), "wording": basis_wording(basis), "clause": clause if contractual else None}


def _payments_json(line: StatementLine) -> list[dict[str, Any]]:
    """The payments imputed on the invoice: date, amount, and what went to interest and to principal."""
    return [
        {
            "paid_on": imputed.paid_on.isoformat(),
            "amount": _money(imputed.to_interest + imputed.to_principal),
            "to_interest": _money(imputed.to_interest),
            "to_principal": _money(imputed.to_principal),
        }
        for imputed in line.imputations
    ]


def _periods_json(line: StatementLine, basis: RateBasis, tables: RateTables) -> list[dict[str, Any]]:
    """The interest periods: dates, days, base, rate, the rate's formula in French, and the amount."""
    return [
        {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "days": period.days,
            "base": _money(period.principal),
            "rate": format(period.rate, "f"),
            "formula": period_formula(basis, HalfYear.of(period.start), tables),
            "amount": _money(period.display_amount),
        }
        for period in line.periods
    ]


def _line_json(line: StatementLine, tables: RateTables, clause: str | None) -> dict[str, Any]:
    """One invoice of the décompte: amounts, imputations of payments, rate basis, periods with their base and
    the formula of their rate."""
    basis = line.basis or StatutoryRate()
    return {
        "invoice_id": line.invoice_id,
        "number": line.number,
        "issue_date": line.issue_date.isoformat(),
        "due_date": line.due_date.isoformat(),
        "amount_due": _money(line.amount),
        "paid": _money(line.paid),
        "balance": _money(line.amount - line.paid - line.credited),
        "principal_balance": _money(line.principal_balance),
        "interest": _money(line.interest),
        "indemnity": _money(line.indemnity),
        "rate_basis": _basis_json(line, clause),
        "payments": _payments_json(line),
        "periods": _periods_json(line, basis, tables),
        "credited": _money(line.credited),
        "credit_notes": [
            {"number": note.number, "issued_on": note.issued_on.isoformat(), "amount": _money(note.amount)}
            for note in line.credit_notes
        ],
    }


def _domain_invoice(invoice: Invoice) -> domain.Invoice:
    """The engine's view of an invoice, with its own CGV rate when it has one."""
    term = None if invoice.contractual_rate is None else parse_term(invoice.contractual_rate)
    return domain.Invoice(
        invoice.id, invoice.number, invoice.issue_date, invoice.due_date, invoice.amount_due, contractual_rate=term
    )


def compute_case_statement(
    invoices: list[Invoice],
    payments: list[Payment],
    terms: StatementTerms,
    tables: RateTables,
    credit_notes: list[CreditNote] | None = None,
    interest_until: str | None = None,
    *,
    penalty_clause: str | None = None,
) -> dict[str, Any]:
    """The décompte as JSON: totals and, per invoice, amounts, credit notes, payments with their imputation,
    the rate basis (with the CGV clause: the invoice's, else ``penalty_clause``, the profile's) and interest
    periods with their base and rate formula (amounts as strings). ``credited`` (the avoirs, a line of its own)
    is taken off the total like ``paid``. ``day_count`` and ``imputation`` stay codes for programs;
    ``day_count_fr`` and ``imputation_fr`` are what a person reads.

    ``interest_until="last_confirmed"`` asks for the arrêté (``domain/arrete.py``): when ``as_of`` is past
    the confirmed rates, interest stops at their last day and ``arrete`` carries the sentence claiming the
    later interest; ``interest_until`` is that day (``None`` without an arrêté)."""
    stop = interest_stop(tables, terms.as_of, interest_until)
    terms = replace(terms, interest_until=stop)
    clauses = {i.id: i.penalty_clause or penalty_clause for i in invoices}
    statement = build_statement(
        [_domain_invoice(i) for i in invoices],
        [domain.Payment(p.amount, p.paid_on, p.invoice_id) for p in payments],
        terms=terms,
        tables=tables,
        credit_notes=[DomainCreditNote(c.amount, c.issued_on, c.invoice_id, c.number) for c in credit_notes or []],
    )
    return _statement_json(statement, terms, tables, clauses, stop)


def _statement_json(
    statement: domain.Statement,
    terms: StatementTerms,
    tables: RateTables,
    clauses: dict[str, str | None],
    stop: date | None,
) -> dict[str, Any]:
    """The statement's totals, codes and French wording, and its invoice lines, as JSON."""
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
        "notice_received_on": None if terms.notice_received_on is None else terms.notice_received_on.isoformat(),
        "day_count_fr": day_count_fr(terms.day_count),
        "imputation_fr": imputation_fr(terms.imputation is Imputation.INTEREST_FIRST),
        "invoices": [_line_json(line, tables, clauses[line.invoice_id]) for line in statement.lines],
        "interest_until": stop.isoformat() if stop else None,
        "arrete": arrete_sentence(stop, terms.debtor_kind, terms.contractual_rate) if stop else None,
    }


def without_interest(statement: dict[str, Any]) -> dict[str, Any]:
    """The décompte of a letter that claims no interest (a pre-reminder, sent before the due date): the
    balances only, interest, indemnities and their periods left out, the total being principal − paid − credited."""
    zero = _money(Decimal(0))
    total = Decimal(statement["principal"]) - Decimal(statement["paid"]) - Decimal(statement.get("credited", "0"))
    invoices = [
        {**line, "interest": zero, "indemnity": zero, "periods": [], "rate_basis": None}
        for line in statement["invoices"]
    ]
    return {**statement, "interest": zero, "indemnities": zero, "total": _money(total), "invoices": invoices}
