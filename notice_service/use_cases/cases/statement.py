"""The décompte of a case as of a date, as JSON-ready data (amounts as decimal strings).

Loads the case's invoices and payments and hands them to the domain's statement computation
(``notice_service.domain.statement``); the tenant's profile chooses the day count (``actual/365`` by default)
and the imputation of partial payments (interest first by default, C. civ. 1343-1). ``without_interest`` is
the décompte of a letter that claims none (the pre-reminder).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db.models.cases import CaseInvoice
from notice_service.db.models.claims import Invoice, Payment
from notice_service.domain import statement as domain
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
        "balance": _money(line.amount - line.paid),
        "principal_balance": _money(line.principal_balance),
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
    }


def compute_case_statement(
    invoices: list[Invoice],
    payments: list[Payment],
    terms: StatementTerms,
    tables: RateTables,
) -> dict[str, Any]:
    """The décompte as JSON: totals and, per invoice, amounts and interest periods (amounts as strings)."""
    statement = build_statement(
        [domain.Invoice(i.id, i.number, i.issue_date, i.due_date, i.amount_due) for i in invoices],
        [domain.Payment(p.amount, p.paid_on, p.invoice_id) for p in payments],
        terms=terms,
        tables=tables,
    )
    return {
        "as_of": statement.as_of.isoformat(),
        "principal": _money(statement.principal),
        "interest": _money(statement.interest),
        "indemnities": _money(statement.indemnities),
        "paid": _money(statement.paid),
        "total": _money(statement.total),
        "day_count": terms.day_count.value,
        "imputation": terms.imputation.value,
        "invoices": [_line_json(line) for line in statement.lines],
    }


def without_interest(statement: dict[str, Any]) -> dict[str, Any]:
    """The décompte of a letter that claims no interest (a pre-reminder, sent before the due date): the
    balances only, interest, indemnities and their periods left out, the total being principal − paid."""
    zero = _money(Decimal(0))
    total = Decimal(statement["principal"]) - Decimal(statement["paid"])
    invoices = [{**line, "interest": zero, "indemnity": zero, "periods": []} for line in statement["invoices"]]
    return {**statement, "interest": zero, "indemnities": zero, "total": _money(total), "invoices": invoices}
