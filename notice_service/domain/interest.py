"""Interest on a late debt: B2B late-payment penalties (C. com. L441-10) and B2C legal interest (C. civ.
1231-6 and 1344-1), split by half-year, plus the 40 EUR recovery indemnity (C. com. D441-5).

Conventions (LEGAL.md Part A §1 and §4):

- interest accrues per *day*: the first accruing day is the day after the due date (B2B) or after the day the
  mise en demeure was received (B2C), the last one is the payment or computation date, included;
- each half-year's rate applies to the days falling in that half-year; simple interest, never compounded
  (C. civ. 1343-2);
- a period's interest is ``principal × rate / 100 × days / year_days`` kept unrounded (``INTEREST_CONTEXT``);
  ``year_days`` is 365 (``actual/365``, the default) or, with ``actual/actual``, 366 for days in a leap year;
- periods are summed per invoice and the sum is rounded half-up to the cent once (``InterestResult.total``);
  ``InterestPeriod.display_amount`` rounds a single period for display only and is never summed.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from notice_service.domain.money import INTEREST_CONTEXT, ZERO, quantize_cents
from notice_service.domain.rates import (
    HalfYear,
    RateTables,
    check_contractual_rate,
    contractual_rate_floor,
    half_years_between,
    l441_10_rate,
    legal_rate,
)
from notice_service.errors import FieldError, InvalidInput

#: C. com. D441-5: indemnité forfaitaire pour frais de recouvrement, per invoice paid late, no VAT.
RECOVERY_INDEMNITY = Decimal("40.00")
_HUNDRED = Decimal("100")


class DayCount(StrEnum):
    """Year basis of the day count (tenant setting, LEGAL.md Part A §1)."""

    ACTUAL_365 = "actual/365"
    ACTUAL_ACTUAL = "actual/actual"


class DebtorKind(StrEnum):
    """Whether the debtor is a professional (B2B, C. com. L441-10) or a consumer (B2C, C. conso.)."""

    BUSINESS = "b2b"
    CONSUMER = "b2c"


def debtor_kind(kind: str) -> DebtorKind:
    """The kind of a stored debtor (``"business"`` or ``"consumer"``) as the law sees it."""
    return DebtorKind.BUSINESS if kind == "business" else DebtorKind.CONSUMER


@dataclass(frozen=True)
class StatutoryRate:
    """The L441-10 II default penalty rate: ECB MRO rate on 1 Jan / 1 Jul + 10 points."""


@dataclass(frozen=True)
class ContractualRate:
    """A penalty rate agreed in the contract or CGV (percent per year), at least 3 × the taux légal B."""

    rate: Decimal


@dataclass(frozen=True)
class ThreeTimesLegalRate:
    """A CGV clause "trois fois le taux d'intérêt légal": 3 × the taux légal B of each half-year (the L441-10 II
    floor itself, so never below it)."""


#: The profile and invoice value of a ``ThreeTimesLegalRate`` clause.
THREE_TIMES_LEGAL = "3x_legal"

#: A contractual penalty term as the API takes it: a percentage per year, or ``THREE_TIMES_LEGAL``.
ContractualTerm = Decimal | str


@dataclass(frozen=True)
class LegalInterestRate:
    """The taux de l'intérêt légal (C. civ. 1231-6): column B when the creditor is a professional, else A."""

    creditor_is_professional: bool = True


RateBasis = StatutoryRate | ContractualRate | ThreeTimesLegalRate | LegalInterestRate


@dataclass(frozen=True)
class InterestPeriod:
    """Interest on ``principal`` for the days ``start``..``end`` (both included) at ``rate`` % per year."""

    start: date
    end: date
    days: int
    rate: Decimal
    year_days: int
    principal: Decimal
    amount: Decimal

    @property
    def display_amount(self) -> Decimal:
        """``amount`` rounded half-up to the cent, for display; totals are computed from ``amount``."""
        return quantize_cents(self.amount)


@dataclass(frozen=True)
class InterestResult:
    """Periods of one invoice and their total, rounded to the cent once (LEGAL.md Part A §1)."""

    periods: tuple[InterestPeriod, ...]
    total: Decimal


def rate_for(tables: RateTables, basis: RateBasis, half_year: HalfYear) -> Decimal:
    """The annual rate (percent) ``basis`` gives for ``half_year``.

    Statutory: C. com. L441-10 II semester rule; contractual: checked against the L441-10 II floor (raises
    ``InvalidInput`` naming it); three times the legal rate: the floor of the half-year; legal interest:
    C. mon. fin. L313-2 via C. civ. 1231-6.
    """
    if isinstance(basis, StatutoryRate):
        return l441_10_rate(tables, half_year)
    if isinstance(basis, ContractualRate):
        check_contractual_rate(tables, basis.rate, [half_year])
        return basis.rate
    if isinstance(basis, ThreeTimesLegalRate):
        return contractual_rate_floor(tables, half_year)
    return legal_rate(tables, half_year, basis.creditor_is_professional)


def year_days(day_count: DayCount, year: int) -> int:
    """Denominator for days falling in ``year``: 365, or 366 for a leap year under ``actual/actual``.

    Decision (LEGAL.md Part B §9 doubt 4, sources only show /365): ``actual/actual`` divides the days of a
    leap year by 366 and the days of other years by 365 (ISDA actual/actual style, per calendar year).
    """
    if day_count is DayCount.ACTUAL_ACTUAL and calendar.isleap(year):
        return 366
    return 365


def period_interest(principal: Decimal, rate: Decimal, days: int, days_in_year: int) -> Decimal:
    """Simple interest ``principal × rate/100 × days/days_in_year``, unrounded (C. civ. 1343-2: no
    compounding; L441-10 II practice: amount × rate × days / 365)."""
    numerator = INTEREST_CONTEXT.multiply(INTEREST_CONTEXT.multiply(principal, rate), Decimal(days))
    return INTEREST_CONTEXT.divide(numerator, INTEREST_CONTEXT.multiply(_HUNDRED, Decimal(days_in_year)))


def accrue(
    principal: Decimal,
    first_day: date,
    last_day: date,
    *,
    basis: RateBasis,
    tables: RateTables,
    day_count: DayCount = DayCount.ACTUAL_365,
) -> tuple[InterestPeriod, ...]:
    """Interest on ``principal`` for every day from ``first_day`` to ``last_day`` included, one period per
    half-year, each at that half-year's rate (C. com. L441-10 II; LEGAL.md Part A §1). Empty when
    ``last_day < first_day`` or the principal is zero. Raises ``RateUnknown`` for a half-year without a rate.
    """
    if last_day < first_day or principal == ZERO:
        return ()
    periods = []
    for half_year in half_years_between(first_day, last_day):
        start, end = max(first_day, half_year.start), min(last_day, half_year.end)
        days = (end - start).days + 1
        rate = rate_for(tables, basis, half_year)
        basis_days = year_days(day_count, half_year.year)
        amount = period_interest(principal, rate, days, basis_days)
        periods.append(InterestPeriod(start, end, days, rate, basis_days, principal, amount))
    return tuple(periods)


def total_interest(periods: Sequence[InterestPeriod]) -> Decimal:
    """Sum of the unrounded period amounts, rounded half-up to the cent once (LEGAL.md Part A §1)."""
    return quantize_cents(sum((period.amount for period in periods), ZERO))


def interest_start(debtor_kind: DebtorKind, due_date: date, notice_received_on: date | None) -> date | None:
    """First day on which interest accrues, or ``None`` when none can accrue yet.

    B2B: the day after the due date, without any reminder (C. com. L441-10 II). B2C: the day after the mise
    en demeure was received (C. civ. 1231-6, 1344-1; LEGAL.md Part A §4), and never before the day after the
    due date; no receipt, no interest.

    Decision (LEGAL.md says "from the date ... received"): the receipt day itself is not counted, as for the
    due date and as CPC 641 counts days (the triggering day is not counted).
    """
    if debtor_kind is DebtorKind.BUSINESS:
        return due_date + timedelta(days=1)
    if notice_received_on is None:
        return None
    return max(due_date, notice_received_on) + timedelta(days=1)


def rate_basis(
    debtor_kind: DebtorKind, contractual_rate: ContractualTerm | None, creditor_is_professional: bool = True
) -> RateBasis:
    """B2B: the contractual rate when one is set (a percentage, or ``THREE_TIMES_LEGAL``), else the L441-10
    default rate; B2C: the legal rate (no L441-10 penalties for a consumer, LEGAL.md Part A §4). A contractual
    rate for a consumer is refused."""
    if debtor_kind is DebtorKind.CONSUMER:
        if contractual_rate is not None:
            message = "a consumer owes the taux légal, not an L441-10 contractual penalty rate"
            raise InvalidInput(f"Contractual rate not applicable: {message}.", errors=[_rate_error(message)])
        return LegalInterestRate(creditor_is_professional)
    if contractual_rate is None:
        return StatutoryRate()
    if contractual_rate == THREE_TIMES_LEGAL:
        return ThreeTimesLegalRate()
    if not isinstance(contractual_rate, Decimal):
        message = f"{contractual_rate!r} is neither a percentage nor {THREE_TIMES_LEGAL!r}"
        raise InvalidInput(f"Invalid contractual rate: {message}.", errors=[_rate_error(message)])
    if not contractual_rate.is_finite() or contractual_rate <= ZERO:
        message = f"{contractual_rate} is not a positive annual percentage"
        raise InvalidInput(f"Invalid contractual rate: {message}.", errors=[_rate_error(message)])
    return ContractualRate(contractual_rate)


def _rate_error(message: str) -> FieldError:
    return FieldError("contractual_rate", message)


def late_payment_interest(
    principal: Decimal,
    due_date: date,
    until: date,
    *,
    tables: RateTables,
    day_count: DayCount = DayCount.ACTUAL_365,
    contractual_rate: ContractualTerm | None = None,
) -> InterestResult:
    """B2B late-payment penalties on one invoice (C. com. L441-10 II) from the day after ``due_date`` to
    ``until`` (payment or computation date) included, on a constant ``principal`` (amount TTC still due).

    A ``contractual_rate`` below 3 × the taux légal B of any half-year concerned is refused with
    ``InvalidInput`` naming the floor. Partial payments are handled by ``statement.build_statement``.
    """
    basis = rate_basis(DebtorKind.BUSINESS, contractual_rate)
    first_day = due_date + timedelta(days=1)
    if isinstance(basis, ContractualRate):
        check_contractual_rate(tables, basis.rate, half_years_between(first_day, until))
    periods = accrue(principal, first_day, until, basis=basis, tables=tables, day_count=day_count)
    return InterestResult(periods, total_interest(periods))


def consumer_interest(
    principal: Decimal,
    due_date: date,
    notice_received_on: date | None,
    until: date,
    *,
    tables: RateTables,
    day_count: DayCount = DayCount.ACTUAL_365,
    creditor_is_professional: bool = True,
) -> InterestResult:
    """B2C moratory interest at the taux de l'intérêt légal (C. civ. 1231-6, 1344-1) on a constant
    ``principal``, from the day after the mise en demeure was received (see ``interest_start``) to ``until``
    included; column B "autres cas" for a professional creditor, A otherwise (C. mon. fin. L313-2)."""
    first_day = interest_start(DebtorKind.CONSUMER, due_date, notice_received_on)
    if first_day is None:
        return InterestResult((), Decimal("0.00"))
    basis = LegalInterestRate(creditor_is_professional)
    periods = accrue(principal, first_day, until, basis=basis, tables=tables, day_count=day_count)
    return InterestResult(periods, total_interest(periods))


def recovery_indemnity(debtor_kind: DebtorKind, due_date: date, settled_on: date | None, as_of: date) -> Decimal:
    """The 40 EUR indemnité forfaitaire pour frais de recouvrement (C. com. L441-10 II, D441-5): due once per
    invoice paid late by a professional debtor, never by a consumer (CPCE L111-8). ``settled_on`` is the date
    the invoice was fully paid, ``None`` while it is not; an unpaid invoice is late once ``as_of`` is after
    its due date. Returns ``40.00`` or ``0.00``; no VAT."""
    if debtor_kind is DebtorKind.CONSUMER:
        return Decimal("0.00")
    late = (settled_on if settled_on is not None else as_of) > due_date
    return RECOVERY_INDEMNITY if late else Decimal("0.00")
