"""Credit notes (avoirs) in the décompte: the credited part was never owed, so it comes off the principal from
the start; no interest runs on it, it is never imputed on interest, and a fully credited invoice owes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from notice_service.domain.credit_notes import CreditNote
from notice_service.domain.interest import DebtorKind
from notice_service.domain.statement import Invoice, Payment, StatementTerms, build_statement
from notice_service.errors import InvalidInput
from notice_service.rate_data import load_rate_tables

TABLES = load_rate_tables()
D = Decimal
AS_OF = date(2025, 6, 30)
TERMS = StatementTerms(DebtorKind.BUSINESS, AS_OF)
INVOICE = Invoice("inv", "F-1", date(2025, 1, 1), date(2025, 1, 31), D("10000.00"))


def test_a_credit_note_is_the_invoice_for_less() -> None:
    credited = build_statement(
        [INVOICE], [], terms=TERMS, tables=TABLES, credit_notes=[CreditNote(D("4000.00"), date(2025, 5, 2), "inv")]
    )
    smaller = build_statement(
        [Invoice("inv", "F-1", date(2025, 1, 1), date(2025, 1, 31), D("6000.00"))], [], terms=TERMS, tables=TABLES
    )
    line, twin = credited.lines[0], smaller.lines[0]
    assert line.interest == twin.interest > 0
    assert [p.amount for p in line.periods] == [p.amount for p in twin.periods]
    assert line.amount == D("10000.00") and line.credited == D("4000.00")
    assert line.balance == twin.balance
    assert credited.credited == D("4000.00")
    assert credited.total == credited.principal + credited.interest + credited.indemnities - credited.paid - D("4000")
    assert credited.total == smaller.total


def test_a_fully_credited_invoice_owes_nothing() -> None:
    result = build_statement(
        [INVOICE], [], terms=TERMS, tables=TABLES, credit_notes=[CreditNote(D("10000.00"), date(2025, 3, 1), "inv")]
    )
    line = result.lines[0]
    assert (line.interest, line.indemnity, line.balance, result.total) == (D(0), D(0), D(0), D(0))
    assert line.periods == ()


def test_a_payment_covering_the_credited_principal_pays_interest_first() -> None:
    result = build_statement(
        [INVOICE],
        [Payment(D("7000.00"), date(2025, 3, 15), "inv")],
        terms=TERMS,
        tables=TABLES,
        credit_notes=[CreditNote(D("3000.00"), date(2025, 2, 10), "inv")],
    )
    line = result.lines[0]
    assert line.interest_paid > 0  # C. civ. 1343-1: interest first, the credit note never pays interest
    assert line.principal_balance == line.interest_paid  # 10000 − 3000 credited − (7000 − interest)
    assert line.indemnity == D("40.00")  # not settled, and late
    assert line.balance == line.principal_balance + line.interest_balance + line.indemnity


def test_without_credit_notes_nothing_changes() -> None:
    plain = build_statement([INVOICE], [], terms=TERMS, tables=TABLES)
    assert plain.credited == D(0) and plain.lines[0].credit_notes == ()
    assert plain.total == plain.principal + plain.interest + plain.indemnities - plain.paid


@pytest.mark.parametrize(
    ("note", "field"),
    [
        (CreditNote(D("0.00"), date(2025, 3, 1), "inv"), "credit_notes.0.amount"),
        (CreditNote(D("-5.00"), date(2025, 3, 1), "inv"), "credit_notes.0.amount"),
        (CreditNote(D("1.001"), date(2025, 3, 1), "inv"), "credit_notes.0.amount"),
        (CreditNote(D("5.00"), date(2025, 7, 1), "inv"), "credit_notes.0.issued_on"),
        (CreditNote(D("5.00"), date(2025, 3, 1), "other"), "credit_notes.0.invoice_id"),
        (CreditNote(D("10000.01"), date(2025, 3, 1), "inv"), "credit_notes"),
    ],
)
def test_bad_credit_notes_are_refused_by_field(note: CreditNote, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        build_statement([INVOICE], [], terms=TERMS, tables=TABLES, credit_notes=[note])
    assert field in [error.field for error in raised.value.errors]
