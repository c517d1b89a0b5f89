"""Late-payment penalties (L441-10), B2C legal interest (C. civ. 1231-6), the 40 EUR indemnity (D441-5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from notice_service.domain.interest import (
    ContractualRate,
    DayCount,
    DebtorKind,
    LegalInterestRate,
    StatutoryRate,
    accrue,
    consumer_interest,
    interest_start,
    late_payment_interest,
    period_interest,
    rate_basis,
    recovery_indemnity,
    year_days,
)
from notice_service.domain.money import parse_amount, quantize_cents
from notice_service.errors import InvalidInput, RateUnknown
from notice_service.rate_data import load_rate_tables

TABLES = load_rate_tables()
D = Decimal


@pytest.mark.parametrize(
    ("principal", "due", "paid", "contractual", "periods", "total"),
    [
        # LEGAL.md Part B §2, source example (2m-consulting.fr): 15 000 € at 15 % for 30 days.
        ("15000", date(2018, 4, 15), date(2018, 5, 15), "15", [(30, "15", "184.93")], "184.93"),
        # LEGAL.md Part B §2, statutory example across 1 January.
        (
            "10000",
            date(2024, 12, 15),
            date(2025, 2, 15),
            None,
            [(16, "14.25", "62.47"), (46, "13.15", "165.73")],
            "228.19",
        ),
    ],
)
def test_legal_worked_examples_to_the_cent(
    principal: str,
    due: date,
    paid: date,
    contractual: str | None,
    periods: list[tuple[int, str, str]],
    total: str,
) -> None:
    result = late_payment_interest(
        D(principal),
        due,
        paid,
        tables=TABLES,
        contractual_rate=None if contractual is None else D(contractual),
    )
    assert [(p.days, p.rate, p.display_amount) for p in result.periods] == [
        (days, D(rate), D(amount)) for days, rate, amount in periods
    ]
    assert result.total == D(total)


@pytest.mark.parametrize(
    ("due", "until", "expected"),
    [
        # 30 June / 1 July: 1 day at 2024-S1 (14.50 %), 2 days at 2024-S2 (14.25 %).
        (
            date(2024, 6, 29),
            date(2024, 7, 2),
            [
                (date(2024, 6, 30), date(2024, 6, 30), 1, "14.50"),
                (date(2024, 7, 1), date(2024, 7, 2), 2, "14.25"),
            ],
        ),
        # 31 December / 1 January: 1 day at 2024-S2, 1 day at 2025-S1.
        (
            date(2024, 12, 30),
            date(2025, 1, 1),
            [
                (date(2024, 12, 31), date(2024, 12, 31), 1, "14.25"),
                (date(2025, 1, 1), date(2025, 1, 1), 1, "13.15"),
            ],
        ),
        # Paid on the 1 July reference date: the new half-year's rate for that single day.
        (date(2022, 6, 30), date(2022, 7, 1), [(date(2022, 7, 1), date(2022, 7, 1), 1, "10.00")]),
        # Mid-semester ECB change (16 Mar 2016) is ignored: 2016-S1 stays at 10.05 %.
        (date(2016, 3, 1), date(2016, 3, 31), [(date(2016, 3, 2), date(2016, 3, 31), 30, "10.05")]),
        # Paid on the due date or before: no interest.
        (date(2024, 3, 1), date(2024, 3, 1), []),
        (date(2024, 3, 1), date(2024, 2, 1), []),
    ],
)
def test_periods_split_at_half_year_boundaries(
    due: date, until: date, expected: list[tuple[date, date, int, str]]
) -> None:
    result = late_payment_interest(D("10000"), due, until, tables=TABLES)
    assert [(p.start, p.end, p.days, p.rate) for p in result.periods] == [
        (start, end, days, D(rate)) for start, end, days, rate in expected
    ]


@pytest.mark.parametrize(
    ("due", "until", "day_count", "year_basis", "total"),
    [
        # All of 2024 (leap year, 366 days): 182 days at 14.50 % + 184 days at 14.25 %.
        (date(2023, 12, 31), date(2024, 12, 31), DayCount.ACTUAL_365, [365, 365], "1441.37"),
        (date(2023, 12, 31), date(2024, 12, 31), DayCount.ACTUAL_ACTUAL, [366, 366], "1437.43"),
        # A period straddling 31 Dec 2024 / 1 Jan 2025: only the 2024 day counts on 366.
        (date(2024, 12, 30), date(2025, 1, 1), DayCount.ACTUAL_ACTUAL, [366, 365], "7.50"),
        (date(2024, 12, 30), date(2025, 1, 1), DayCount.ACTUAL_365, [365, 365], "7.51"),
        # Non-leap year: both settings agree.
        (date(2024, 12, 31), date(2025, 1, 31), DayCount.ACTUAL_ACTUAL, [365], "111.68"),
        (date(2024, 12, 31), date(2025, 1, 31), DayCount.ACTUAL_365, [365], "111.68"),
    ],
)
def test_leap_years_in_both_day_counts(
    due: date, until: date, day_count: DayCount, year_basis: list[int], total: str
) -> None:
    result = late_payment_interest(D("10000"), due, until, tables=TABLES, day_count=day_count)
    assert [p.year_days for p in result.periods] == year_basis
    assert sum(p.days for p in result.periods) == (until - due).days
    assert result.total == D(total)


@pytest.mark.parametrize(
    ("day_count", "year", "days"),
    [
        (DayCount.ACTUAL_365, 2024, 365),
        (DayCount.ACTUAL_ACTUAL, 2024, 366),
        (DayCount.ACTUAL_ACTUAL, 2100, 365),
        (DayCount.ACTUAL_ACTUAL, 2000, 366),
    ],
)
def test_year_days(day_count: DayCount, year: int, days: int) -> None:
    assert year_days(day_count, year) == days


def test_due_on_29_february_starts_on_1_march() -> None:
    result = late_payment_interest(D("1000"), date(2024, 2, 29), date(2024, 3, 31), tables=TABLES)
    assert [(p.start, p.days) for p in result.periods] == [(date(2024, 3, 1), 31)]


@pytest.mark.parametrize(
    ("rate", "due", "until", "floor", "half_year"),
    [
        ("7.85", date(2026, 1, 15), date(2026, 2, 15), "7.86", "2026-S1"),
        # 15 % clears 2024-S2 (14.76 %) but not 2024-S1 (15.21 %): the whole span is checked.
        ("15", date(2024, 6, 1), date(2024, 7, 15), "15.21", "2024-S1"),
    ],
)
def test_contractual_rate_below_the_floor_is_refused(
    rate: str, due: date, until: date, floor: str, half_year: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        late_payment_interest(D("1000"), due, until, tables=TABLES, contractual_rate=D(rate))
    assert f"{floor} %" in raised.value.detail
    assert half_year in raised.value.detail
    assert raised.value.errors[0].field == "contractual_rate"


def test_contractual_rate_at_the_floor_is_accepted() -> None:
    result = late_payment_interest(
        D("1000"), date(2026, 1, 15), date(2026, 2, 15), tables=TABLES, contractual_rate=D("7.86")
    )
    assert result.periods[0].rate == D("7.86")


@pytest.mark.parametrize("rate", ["0", "-5", "NaN", "Infinity"])
def test_contractual_rate_must_be_a_positive_percentage(rate: str) -> None:
    with pytest.raises(InvalidInput, match="positive annual percentage"):
        rate_basis(DebtorKind.BUSINESS, D(rate))


def test_consumer_cannot_get_a_contractual_penalty_rate() -> None:
    with pytest.raises(InvalidInput, match="consumer owes the taux légal"):
        rate_basis(DebtorKind.CONSUMER, D("20"))


@pytest.mark.parametrize(
    ("kind", "contractual", "professional", "expected"),
    [
        (DebtorKind.BUSINESS, None, True, StatutoryRate()),
        (DebtorKind.BUSINESS, "12", True, ContractualRate(D("12"))),
        (DebtorKind.CONSUMER, None, True, LegalInterestRate(True)),
        (DebtorKind.CONSUMER, None, False, LegalInterestRate(False)),
    ],
)
def test_rate_basis(
    kind: DebtorKind,
    contractual: str | None,
    professional: bool,
    expected: StatutoryRate | ContractualRate | LegalInterestRate,
) -> None:
    assert rate_basis(kind, None if contractual is None else D(contractual), professional) == expected


@pytest.mark.parametrize(
    ("received", "until", "professional", "days", "rate", "total"),
    [
        (None, date(2025, 4, 9), True, [], None, "0.00"),
        # Interest runs from the day after receipt (10 Mar): 30 days at 2025-S1 column B.
        (date(2025, 3, 10), date(2025, 4, 9), True, [30], "3.71", "30.49"),
        # Creditor who is a private person: column A.
        (date(2025, 3, 10), date(2025, 4, 9), False, [30], "7.21", "59.26"),
        # Computed on the day of receipt, or before it: nothing yet.
        (date(2025, 3, 10), date(2025, 3, 10), True, [], None, "0.00"),
        (date(2025, 3, 10), date(2025, 3, 1), True, [], None, "0.00"),
        # Mise en demeure received before the due date: interest from the day after the due date.
        (date(2025, 1, 20), date(2025, 2, 10), True, [10], "3.71", "10.16"),
    ],
)
def test_consumer_interest_runs_from_receipt_of_the_mise_en_demeure(
    received: date | None, until: date, professional: bool, days: list[int], rate: str | None, total: str
) -> None:
    result = consumer_interest(
        D("10000"), date(2025, 1, 31), received, until, tables=TABLES, creditor_is_professional=professional
    )
    assert [p.days for p in result.periods] == days
    if rate is not None:
        assert {p.rate for p in result.periods} == {D(rate)}
    assert result.total == D(total)


@pytest.mark.parametrize(
    ("kind", "received", "expected"),
    [
        (DebtorKind.BUSINESS, None, date(2025, 2, 1)),
        (DebtorKind.BUSINESS, date(2025, 3, 10), date(2025, 2, 1)),
        (DebtorKind.CONSUMER, None, None),
        (DebtorKind.CONSUMER, date(2025, 3, 10), date(2025, 3, 11)),
    ],
)
def test_interest_start(kind: DebtorKind, received: date | None, expected: date | None) -> None:
    assert interest_start(kind, date(2025, 1, 31), received) == expected


@pytest.mark.parametrize(
    ("kind", "settled_on", "as_of", "indemnity"),
    [
        (DebtorKind.BUSINESS, date(2025, 2, 1), date(2025, 3, 1), "40.00"),  # paid one day late
        (DebtorKind.BUSINESS, date(2025, 1, 31), date(2025, 3, 1), "0.00"),  # paid on the due date
        (DebtorKind.BUSINESS, None, date(2025, 2, 1), "40.00"),  # still unpaid after the due date
        (DebtorKind.BUSINESS, None, date(2025, 1, 31), "0.00"),  # not late yet
        (DebtorKind.CONSUMER, date(2025, 3, 1), date(2025, 3, 1), "0.00"),  # never for a consumer
        (DebtorKind.CONSUMER, None, date(2025, 3, 1), "0.00"),
    ],
)
def test_recovery_indemnity_only_b2b_and_only_when_late(
    kind: DebtorKind, settled_on: date | None, as_of: date, indemnity: str
) -> None:
    assert recovery_indemnity(kind, date(2025, 1, 31), settled_on, as_of) == D(indemnity)


def test_unknown_half_year_propagates_rate_unknown() -> None:
    with pytest.raises(RateUnknown) as raised:
        late_payment_interest(D("1000"), date(2026, 6, 15), date(2026, 7, 15), tables=TABLES)
    assert raised.value.extra["half_year"] == "2026-S2"


def test_zero_principal_accrues_nothing() -> None:
    assert accrue(D("0"), date(2025, 1, 1), date(2025, 2, 1), basis=StatutoryRate(), tables=TABLES) == ()


@pytest.mark.parametrize(
    ("principal", "rate", "days", "basis", "expected"),
    [
        ("15000", "15", 30, 365, "184.9315068493150684931506849315068"),
        ("100", "10", 365, 365, "10"),
        ("100", "10", 366, 366, "10"),
        ("0.01", "10", 1, 365, "0.000002739726027397260273972602739726027"),
    ],
)
def test_period_interest_is_simple_and_unrounded(
    principal: str, rate: str, days: int, basis: int, expected: str
) -> None:
    assert period_interest(D(principal), D(rate), days, basis) == D(expected)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("184.9315", "184.93"), ("62.465", "62.47"), ("2.675", "2.68")],
)
def test_quantize_cents_rounds_half_up(amount: str, expected: str) -> None:
    assert quantize_cents(D(amount)) == D(expected)


@pytest.mark.parametrize(("text", "expected"), [("0", "0"), ("1234", "1234"), ("1234.5", "1234.5"), ("0.01", "0.01")])
def test_parse_amount_accepts(text: str, expected: str) -> None:
    assert parse_amount(text) == D(expected)


@pytest.mark.parametrize(
    "text",
    ["", "1.234", "1e3", "NaN", "inf", "-1", "+1", "1,5", " 1", "1 000", ".5", "5.", "١٢", "1" * 16],
)
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="at most 2 decimals"):
        parse_amount(text)


def test_parse_amount_rejects_non_strings() -> None:
    with pytest.raises(ValueError, match="must be a string"):
        parse_amount(12.5)  # type: ignore[arg-type]
