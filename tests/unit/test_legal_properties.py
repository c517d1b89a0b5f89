"""Properties of the legal computations that must hold for any input (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from notice_service.domain.interest import DayCount, DebtorKind, StatutoryRate, accrue, late_payment_interest
from notice_service.domain.money import parse_amount, quantize_cents
from notice_service.domain.statement import Imputation, Invoice, Payment, StatementTerms, build_statement
from notice_service.rate_data import load_rate_tables

TABLES = load_rate_tables()
FIRST, LAST = date(2015, 1, 1), date(2026, 6, 30)  # every half-year here has a known rate

cents = st.integers(min_value=1, max_value=10_000_000_00).map(lambda n: Decimal(n) / 100)
days = st.dates(min_value=FIRST, max_value=LAST)
day_counts = st.sampled_from(DayCount)
imputations = st.sampled_from(Imputation)


@st.composite
def spans(draw: st.DrawFn) -> tuple[date, date, date]:
    """A period first..last and a split day inside it (the split day ends the first part)."""
    first = draw(days)
    last = draw(st.dates(min_value=first, max_value=LAST))
    split = draw(st.dates(min_value=first, max_value=last))
    return first, split, last


def _total(principal: Decimal, first: date, last: date, day_count: DayCount) -> Decimal:
    periods = accrue(principal, first, last, basis=StatutoryRate(), tables=TABLES, day_count=day_count)
    return quantize_cents(sum((p.amount for p in periods), Decimal(0)))


@given(cents, spans(), day_counts)
def test_splitting_a_period_changes_the_total_by_at_most_one_cent(
    principal: Decimal, span: tuple[date, date, date], day_count: DayCount
) -> None:
    first, split, last = span
    whole = _total(principal, first, last, day_count)
    parts = _total(principal, first, split, day_count) + _total(principal, split + timedelta(days=1), last, day_count)
    assert abs(whole - parts) <= Decimal("0.01")


@given(cents, spans(), day_counts)
def test_interest_is_non_decreasing_in_days(
    principal: Decimal, span: tuple[date, date, date], day_count: DayCount
) -> None:
    due, earlier, later = span
    first = late_payment_interest(principal, due, earlier, tables=TABLES, day_count=day_count)
    second = late_payment_interest(principal, due, later, tables=TABLES, day_count=day_count)
    assert Decimal(0) <= first.total <= second.total
    assert sum(p.days for p in second.periods) == (later - due).days


@settings(deadline=None)
@given(cents, spans(), st.integers(min_value=0, max_value=2000), imputations)
def test_a_full_payment_stops_interest(
    amount: Decimal, span: tuple[date, date, date], extra_days: int, imputation: Imputation
) -> None:
    issue, due, paid_on = span
    invoice = Invoice("i", "F", issue, due, amount)
    # Pays more than principal and any interest can reach: everything is settled on paid_on.
    payment = Payment(amount * 3, paid_on, "i")
    as_of = min(paid_on + timedelta(days=extra_days), LAST)
    at_payment = build_statement(
        [invoice],
        [payment],
        terms=StatementTerms(DebtorKind.BUSINESS, paid_on, imputation=imputation),
        tables=TABLES,
    )
    later = build_statement(
        [invoice],
        [payment],
        terms=StatementTerms(DebtorKind.BUSINESS, as_of, imputation=imputation),
        tables=TABLES,
    )
    assert later.interest == at_payment.interest
    assert later.lines[0].principal_balance == Decimal("0.00")


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Invoice], list[Payment], StatementTerms]:
    count = draw(st.integers(min_value=1, max_value=4))
    invoices = []
    for index in range(count):
        issue = draw(days)
        due = draw(st.dates(min_value=issue, max_value=min(issue + timedelta(days=90), LAST)))
        invoices.append(Invoice(f"i{index}", f"F{index}", issue, due, draw(cents)))
    as_of = draw(st.dates(min_value=max(i.issue_date for i in invoices), max_value=LAST))
    ids = st.one_of(st.none(), st.sampled_from([i.id for i in invoices]))
    payment = st.builds(Payment, cents, st.dates(min_value=FIRST, max_value=as_of), ids)
    payments = draw(st.lists(payment, max_size=5))
    kind = draw(st.sampled_from(DebtorKind))
    received = draw(st.one_of(st.none(), st.dates(min_value=FIRST, max_value=as_of)))
    terms = StatementTerms(kind, as_of, draw(day_counts), draw(imputations), notice_received_on=received)
    return invoices, payments, terms


@settings(deadline=None)
@given(cases())
def test_statement_totals_are_consistent(case: tuple[list[Invoice], list[Payment], StatementTerms]) -> None:
    invoices, payments, terms = case
    result = build_statement(invoices, payments, terms=terms, tables=TABLES)
    assert result.total == result.principal + result.interest + result.indemnities - result.paid
    assert result.paid == sum((p.amount for p in payments), Decimal(0))
    assert result.total == sum((line.balance for line in result.lines), Decimal(0)) - result.unallocated
    for line in result.lines:
        principal_paid = sum((i.to_principal for i in line.imputations), Decimal(0))
        assert line.principal_balance == line.amount - principal_paid >= 0
        assert line.interest_balance == line.interest - line.interest_paid >= 0
        assert line.indemnity in (Decimal("0.00"), Decimal("40.00"))
        if terms.debtor_kind is DebtorKind.CONSUMER:
            assert line.indemnity == Decimal("0.00")
        for value in (line.amount, line.paid, line.interest, line.balance, line.principal_balance):
            assert value == quantize_cents(value)


@given(st.integers(min_value=0, max_value=10**15 - 1), st.integers(min_value=0, max_value=99))
def test_parse_amount_round_trips(units: int, hundredths: int) -> None:
    text = f"{units}.{hundredths:02d}"
    assert parse_amount(text) == Decimal(units) + Decimal(hundredths) / 100
