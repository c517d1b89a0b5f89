"""Interest during a payment plan (``domain.plan_suspension``, issue 12 gap item 6): no penalty while the plan
is kept, penalties again from the day after a missed instalment (B2B, the letter's clause), interest again only
after a mise en demeure left thirty days without effect (B2C), and nothing suspended by a plan never accepted.

Each décompte with a plan is compared with the same décompte without one, computed by the same engine: the
suspended days are exactly the days missing from the periods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from notice_service.domain.installments import Installment
from notice_service.domain.interest import DebtorKind, InterestPeriod
from notice_service.domain.plan_suspension import PaymentPlan, first_missed, suspension
from notice_service.domain.statement import Invoice, Payment, Statement, StatementTerms, build_statement
from notice_service.rate_data import load_rate_tables

TABLES = load_rate_tables()
D = Decimal
B2B, B2C = DebtorKind.BUSINESS, DebtorKind.CONSUMER
INVOICE = Invoice("jan", "F-1", date(2025, 1, 1), date(2025, 1, 31), D("10000.00"))
PLAN_DATE = date(2025, 3, 31)
FIRST, SECOND = date(2025, 4, 30), date(2025, 5, 31)
RECEIVED = date(2025, 2, 10)  # B2C: the mise en demeure before the plan


def _statement(
    as_of: date, payments: Sequence[Payment] = (), kind: DebtorKind = B2B, plan: PaymentPlan | None = None
) -> Statement:
    terms = StatementTerms(kind, as_of, notice_received_on=RECEIVED if kind is B2C else None, plan=plan)
    return build_statement([INVOICE], payments, terms=terms, tables=TABLES)


def _plan(kind: DebtorKind = B2B, receipts: tuple[date, ...] = ()) -> PaymentPlan:
    """Two instalments settling the décompte at the plan's date exactly, as the letter requires."""
    total = _statement(PLAN_DATE, kind=kind).total
    half = (total / 2).quantize(D("0.01"))
    return PaymentPlan(PLAN_DATE, (Installment(FIRST, half), Installment(SECOND, total - half)), receipts)


def _days(periods: Sequence[InterestPeriod]) -> set[date]:
    return {p.start + timedelta(days=n) for p in periods for n in range((p.end - p.start).days + 1)}


def _span(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def test_a_kept_plan_stops_penalties_the_day_after_its_date() -> None:
    plan = _plan()
    paid = [Payment(plan.installments[0].amount, FIRST)]
    with_plan, without = _statement(date(2025, 5, 20), paid, plan=plan), _statement(date(2025, 5, 20), paid)
    (line,) = with_plan.lines
    assert max(p.end for p in line.periods) == PLAN_DATE
    assert _days(without.lines[0].periods) - _days(line.periods) == _span(date(2025, 4, 1), date(2025, 5, 20))
    assert with_plan.interest == _statement(PLAN_DATE).interest < without.interest
    assert with_plan.total == plan.installments[1].amount  # what the plan still schedules, to the cent
    assert line.indemnity == without.lines[0].indemnity == D("40.00")  # D441-5: due since the first day late


def test_a_plan_fully_kept_leaves_nothing_owed() -> None:
    plan = _plan()
    paid = [Payment(i.amount, i.due_date) for i in plan.installments]
    assert _statement(date(2025, 6, 30), paid, plan=plan).total == D("0.00")


def test_b2b_a_missed_instalment_restarts_penalties_the_day_after_it() -> None:
    plan = _plan()
    paid = [Payment(plan.installments[0].amount, FIRST)]
    as_of = date(2025, 6, 30)
    with_plan, without = _statement(as_of, paid, plan=plan), _statement(as_of, paid)
    periods = with_plan.lines[0].periods
    assert _days(without.lines[0].periods) - _days(periods) == _span(date(2025, 4, 1), SECOND)
    assert min(p.start for p in periods if p.start > PLAN_DATE) == SECOND + timedelta(days=1)
    assert _statement(PLAN_DATE).interest < with_plan.interest < without.interest
    assert first_missed(plan, [(FIRST, plan.installments[0].amount)], as_of) == plan.installments[1]


def test_a_plan_whose_first_instalment_was_missed_was_never_accepted() -> None:
    plan = _plan()
    late = [Payment(plan.installments[0].amount, FIRST + timedelta(days=1))]
    assert suspension(plan, [(p.paid_on, p.amount) for p in late], B2B, date(2025, 6, 30)) is None
    assert _statement(date(2025, 6, 30), late, plan=plan) == _statement(date(2025, 6, 30), late)


def test_before_its_first_instalment_a_plan_suspends_up_to_the_decompte() -> None:
    plan = _plan()
    assert suspension(plan, [], B2B, date(2025, 4, 15)) == (date(2025, 4, 1), date(2025, 4, 15))
    assert _statement(date(2025, 4, 15), plan=plan).interest == _statement(PLAN_DATE).interest
    assert suspension(plan, [], B2B, PLAN_DATE) is None  # a décompte of the plan's own date: nothing to suspend


def test_an_instalment_is_kept_by_cumulative_payments_after_the_plan() -> None:
    plan = _plan()
    one, two = plan.installments
    split = [(date(2025, 4, 10), one.amount - D("1.00")), (FIRST, D("1.00")), (SECOND, two.amount)]
    assert first_missed(plan, split, date(2025, 6, 30)) is None
    before_the_plan = [(PLAN_DATE, one.amount), (SECOND, two.amount)]  # paid on the plan's date: not under it
    assert first_missed(plan, before_the_plan, date(2025, 6, 30)) == one


def test_b2c_a_missed_instalment_alone_does_not_restart_interest() -> None:
    plan = _plan(B2C)
    paid = [Payment(plan.installments[0].amount, FIRST)]
    result = _statement(date(2025, 6, 30), paid, B2C, plan)
    assert max(p.end for p in result.lines[0].periods) == PLAN_DATE
    assert result.lines[0].indemnity == D("0.00")


@pytest.mark.parametrize(
    ("as_of", "cured", "restarts"),
    [
        (date(2025, 7, 10), False, True),  # thirty days after the receipt of 5 June, still unpaid
        (date(2025, 7, 4), False, False),  # the thirty days have not run out
        (date(2025, 7, 10), True, False),  # the missed instalment was paid within the thirty days
    ],
)
def test_b2c_interest_restarts_from_a_later_mise_en_demeure_left_thirty_days_unanswered(
    as_of: date, cured: bool, restarts: bool
) -> None:
    receipt = date(2025, 6, 5)
    plan = _plan(B2C, receipts=(RECEIVED, receipt))
    paid = [Payment(plan.installments[0].amount, FIRST)]
    if cured:
        paid.append(Payment(plan.installments[1].amount, date(2025, 6, 20)))
    result = _statement(as_of, paid, B2C, plan)
    later = [p for p in result.lines[0].periods if p.start > PLAN_DATE]
    if restarts:
        assert min(p.start for p in later) == receipt + timedelta(days=1)
        assert _days(later) == _span(receipt + timedelta(days=1), as_of)
    else:
        assert later == []


def test_no_plan_and_an_empty_plan_change_nothing() -> None:
    paid = [Payment(D("100.00"), FIRST)]
    plain = _statement(date(2025, 6, 30), paid)
    assert _statement(date(2025, 6, 30), paid, plan=replace(_plan(), installments=())) == plain
