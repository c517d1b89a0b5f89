"""The décompte: imputation of payments (C. civ. 1342-10, 1343-1), interest on the principal still due, the
40 EUR indemnity per invoice paid late, totals and rounding points."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest

from notice_service.domain.interest import DayCount, DebtorKind
from notice_service.domain.statement import (
    Imputation,
    Invoice,
    Payment,
    Statement,
    StatementTerms,
    build_statement,
)
from notice_service.errors import InvalidInput, RateUnknown
from notice_service.rate_data import load_rate_tables

TABLES = load_rate_tables()
D = Decimal
B2B = DebtorKind.BUSINESS
B2C = DebtorKind.CONSUMER

EXAMPLE = Invoice("inv-1", "F-2024-100", date(2024, 11, 15), date(2024, 12, 15), D("10000.00"))
JANUARY = Invoice("jan", "F-1", date(2025, 1, 1), date(2025, 1, 31), D("10000.00"))
OLD = Invoice("old", "F-OLD", date(2024, 12, 1), date(2025, 1, 31), D("2000.00"))
NEW = Invoice("new", "F-NEW", date(2025, 1, 10), date(2025, 3, 31), D("1000.00"))


def statement(
    invoices: Sequence[Invoice],
    payments: Sequence[Payment],
    as_of: date,
    kind: DebtorKind = B2B,
    *,
    day_count: DayCount = DayCount.ACTUAL_365,
    imputation: Imputation = Imputation.INTEREST_FIRST,
    contractual_rate: Decimal | None = None,
    notice_received_on: date | None = None,
    creditor_is_professional: bool = True,
) -> Statement:
    terms = StatementTerms(
        kind, as_of, day_count, imputation, contractual_rate, notice_received_on, creditor_is_professional
    )
    return build_statement(invoices, payments, terms=terms, tables=TABLES)


def assert_consistent(result: Statement) -> None:
    assert result.total == result.principal + result.interest + result.indemnities - result.paid
    assert result.total == sum((line.balance for line in result.lines), D(0)) - result.unallocated


def test_worked_example_as_a_statement() -> None:
    result = statement([EXAMPLE], [], date(2025, 2, 15))
    line = result.lines[0]
    assert [(p.start, p.end, p.days, p.rate, p.display_amount) for p in line.periods] == [
        (date(2024, 12, 16), date(2024, 12, 31), 16, D("14.25"), D("62.47")),
        (date(2025, 1, 1), date(2025, 2, 15), 46, D("13.15"), D("165.73")),
    ]
    assert (line.interest, line.indemnity, line.balance) == (D("228.19"), D("40.00"), D("10268.19"))
    assert (result.principal, result.interest, result.indemnities, result.paid, result.total) == (
        D("10000.00"),
        D("228.19"),
        D("40.00"),
        D("0.00"),
        D("10268.19"),
    )
    assert_consistent(result)


@pytest.mark.parametrize("as_of", [date(2025, 2, 15), date(2025, 3, 1), date(2025, 6, 30)])
def test_full_payment_stops_interest(as_of: date) -> None:
    payment = Payment(D("10000.00"), date(2025, 2, 15), "inv-1")
    result = statement([EXAMPLE], [payment], as_of, imputation=Imputation.PRINCIPAL_FIRST)
    line = result.lines[0]
    assert (line.interest, line.principal_balance, line.indemnity, result.total) == (
        D("228.19"),
        D("0.00"),
        D("40.00"),
        D("268.19"),
    )
    assert_consistent(result)


@pytest.mark.parametrize(
    ("imputation", "interest", "interest_paid", "principal_balance", "second_base", "total"),
    [
        # C. civ. 1343-1: the 5 000 € pay the 108.08 € accrued first; 30 more days on 5 108.08 €.
        (Imputation.INTEREST_FIRST, "163.29", "108.08", "5108.08", "5108.08", "5203.29"),
        # Tenant option: principal first; 30 more days on 5 000 €, the 108.08 € stay due.
        (Imputation.PRINCIPAL_FIRST, "162.12", "0.00", "5000.00", "5000.00", "5202.12"),
    ],
)
def test_partial_payment_splits_the_periods(
    imputation: Imputation,
    interest: str,
    interest_paid: str,
    principal_balance: str,
    second_base: str,
    total: str,
) -> None:
    payment = Payment(D("5000.00"), date(2025, 3, 2), "jan")
    result = statement([JANUARY], [payment], date(2025, 4, 1), imputation=imputation)
    line = result.lines[0]
    assert [(p.start, p.end, p.principal) for p in line.periods] == [
        (date(2025, 2, 1), date(2025, 3, 2), D("10000.00")),
        (date(2025, 3, 3), date(2025, 4, 1), D(second_base)),
    ]
    assert (line.interest, line.interest_paid, line.principal_balance) == (
        D(interest),
        D(interest_paid),
        D(principal_balance),
    )
    assert line.interest_balance == line.interest - line.interest_paid
    assert result.total == D(total)
    assert_consistent(result)


def test_payment_smaller_than_the_accrued_interest_pays_interest_only() -> None:
    result = statement([JANUARY], [Payment(D("50.00"), date(2025, 3, 2))], date(2025, 3, 2))
    line = result.lines[0]
    assert (line.interest, line.interest_paid, line.interest_balance) == (D("108.08"), D("50.00"), D("58.08"))
    assert line.principal_balance == D("10000.00")
    assert line.imputations[0].to_interest == D("50.00")


def test_paying_the_invoice_amount_interest_first_leaves_principal_that_still_accrues() -> None:
    payments = [Payment(D("10000.00"), date(2025, 3, 2)), Payment(D("108.47"), date(2025, 3, 12))]
    result = statement([JANUARY], payments, date(2025, 6, 30))
    line = result.lines[0]
    # The first payment settles 108.08 € of interest, leaving 108.08 € of principal, which earns 0.39 € over
    # 10 days; the second payment settles both, and interest stops.
    assert [p.principal for p in line.periods] == [D("10000.00"), D("108.08")]
    assert [(i.to_interest, i.to_principal) for i in line.imputations] == [
        (D("108.08"), D("9891.92")),
        (D("0.39"), D("108.08")),
    ]
    assert (line.interest, line.principal_balance, line.interest_balance) == (
        D("108.47"),
        D("0.00"),
        D("0.00"),
    )
    assert (line.indemnity, result.total) == (D("40.00"), D("40.00"))
    assert_consistent(result)


@pytest.mark.parametrize(
    ("payments", "paid", "unallocated", "total"),
    [
        # Unnamed: the oldest due invoice (OLD) first, the rest to NEW.
        ([Payment(D("2500.00"), date(2025, 1, 31))], {"old": "2000.00", "new": "500.00"}, "0.00", "500.00"),
        # Named on NEW: NEW first, the excess goes to the oldest other invoice.
        (
            [Payment(D("1500.00"), date(2025, 1, 15), "new")],
            {"old": "500.00", "new": "1000.00"},
            "0.00",
            "1500.00",
        ),
        # More than everything invoiced: the excess stays unallocated and the total turns negative.
        (
            [Payment(D("3500.00"), date(2025, 1, 15))],
            {"old": "2000.00", "new": "1000.00"},
            "500.00",
            "-500.00",
        ),
    ],
)
def test_payments_go_to_their_invoice_then_oldest_due_first(
    payments: list[Payment], paid: dict[str, str], unallocated: str, total: str
) -> None:
    result = statement([NEW, OLD], payments, date(2025, 1, 31))
    assert {line.invoice_id: line.paid for line in result.lines} == {k: D(v) for k, v in paid.items()}
    assert [line.invoice_id for line in result.lines] == ["new", "old"]  # input order kept
    assert (result.unallocated, result.total, result.interest, result.indemnities) == (
        D(unallocated),
        D(total),
        D("0.00"),
        D("0.00"),
    )
    assert_consistent(result)


@pytest.mark.parametrize(
    ("payments", "as_of", "indemnities"),
    [
        ([], date(2025, 4, 1), "80.00"),  # both late
        ([], date(2025, 3, 31), "40.00"),  # NEW not late yet
        ([Payment(D("2000.00"), date(2025, 1, 31), "old")], date(2025, 4, 1), "40.00"),  # OLD paid on time
        ([Payment(D("1000.00"), date(2025, 1, 31), "old")], date(2025, 4, 1), "80.00"),  # OLD only part-paid
    ],
)
def test_indemnity_is_40_per_invoice_paid_late(payments: list[Payment], as_of: date, indemnities: str) -> None:
    result = statement([OLD, NEW], payments, as_of)
    assert result.indemnities == D(indemnities)
    assert_consistent(result)


@pytest.mark.parametrize(
    ("received", "as_of", "interest"),
    [
        (None, date(2025, 4, 9), "0.00"),
        (date(2025, 3, 10), date(2025, 3, 10), "0.00"),  # before/at receipt: nothing
        (date(2025, 3, 10), date(2025, 4, 9), "30.49"),  # 30 days at 3.71 % (2025-S1, column B)
    ],
)
def test_consumer_statement_has_legal_interest_from_receipt_and_no_indemnity(
    received: date | None, as_of: date, interest: str
) -> None:
    result = statement([JANUARY], [], as_of, B2C, notice_received_on=received)
    assert (result.interest, result.indemnities) == (D(interest), D("0.00"))
    assert_consistent(result)


def test_consumer_statement_uses_column_a_for_a_private_creditor() -> None:
    result = statement(
        [JANUARY],
        [],
        date(2025, 4, 9),
        B2C,
        notice_received_on=date(2025, 3, 10),
        creditor_is_professional=False,
    )
    assert result.interest == D("59.26")


def test_actual_actual_setting_reaches_the_periods() -> None:
    invoice = Invoice("x", "X", date(2023, 12, 1), date(2023, 12, 31), D("10000.00"))
    result = statement([invoice], [], date(2024, 12, 31), day_count=DayCount.ACTUAL_ACTUAL)
    assert result.interest == D("1437.43")


def test_contractual_rate_in_a_statement() -> None:
    result = statement([JANUARY], [], date(2025, 3, 2), contractual_rate=D("15"))
    assert {p.rate for p in result.lines[0].periods} == {D("15")}
    with pytest.raises(InvalidInput, match=r"11\.13 %"):
        statement([JANUARY], [], date(2025, 3, 2), contractual_rate=D("11"))


def test_unknown_rate_is_refused() -> None:
    invoice = Invoice("x", "X", date(2026, 5, 1), date(2026, 6, 1), D("100.00"))
    with pytest.raises(RateUnknown, match="2026-S2"):
        statement([invoice], [], date(2026, 7, 15))


def test_payment_before_the_due_date_reduces_the_principal_without_interest() -> None:
    result = statement([JANUARY], [Payment(D("4000.00"), date(2025, 1, 20))], date(2025, 3, 2))
    line = result.lines[0]
    assert [p.principal for p in line.periods] == [D("6000.00")]
    assert line.imputations[0].to_principal == D("4000.00")


@pytest.mark.parametrize(
    ("invoices", "payments", "received", "fields"),
    [
        ([], [], None, ["invoices"]),
        ([JANUARY, JANUARY], [], None, ["invoices.1.id"]),
        (
            [Invoice("a", "A", date(2025, 1, 1), date(2025, 1, 31), D("10.001"))],
            [],
            None,
            ["invoices.0.amount"],
        ),
        ([Invoice("a", "A", date(2025, 1, 1), date(2025, 1, 31), D("0"))], [], None, ["invoices.0.amount"]),
        ([Invoice("a", "A", date(2025, 2, 1), date(2025, 1, 31), D("1"))], [], None, ["invoices.0.due_date"]),
        (
            [Invoice("a", "A", date(2025, 5, 1), date(2025, 5, 31), D("1"))],
            [],
            None,
            ["invoices.0.issue_date"],
        ),
        ([JANUARY], [Payment(D("-1"), date(2025, 2, 1))], None, ["payments.0.amount"]),
        ([JANUARY], [Payment(D("1"), date(2025, 4, 2))], None, ["payments.0.paid_on"]),
        ([JANUARY], [Payment(D("1"), date(2025, 2, 1), "nope")], None, ["payments.0.invoice_id"]),
        ([JANUARY], [], date(2025, 4, 2), ["notice_received_on"]),
        (
            [JANUARY],
            [Payment(D("NaN"), date(2025, 2, 1)), Payment(D("1"), date(2025, 2, 1), "x")],
            None,
            ["payments.0.amount", "payments.1.invoice_id"],
        ),
    ],
)
def test_bad_input_names_every_field(
    invoices: list[Invoice], payments: list[Payment], received: date | None, fields: list[str]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        statement(invoices, payments, date(2025, 4, 1), notice_received_on=received)
    assert [error.field for error in raised.value.errors] == fields


def test_consumer_statement_refuses_a_contractual_rate() -> None:
    with pytest.raises(InvalidInput, match="consumer"):
        statement([JANUARY], [], date(2025, 4, 1), B2C, contractual_rate=D("20"))
