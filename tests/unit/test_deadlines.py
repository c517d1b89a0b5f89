"""Deadline of a mise en demeure (LEGAL.md Part A §8), receipt date (Part A §7), postal code → département,
CPC 641 month arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from notice_service.domain.deadlines import (
    DeliveryOutcome,
    Receipt,
    add_months,
    departement_of,
    formal_notice_deadline,
    next_working_day,
    public_holidays,
    receipt_date,
)
from notice_service.errors import InvalidInput


@pytest.mark.parametrize(
    ("receipt", "days", "postal_code", "expected"),
    [
        (date(2026, 1, 5), 8, "75001", date(2026, 1, 13)),  # plain Tuesday
        (date(2026, 1, 2), 8, "75001", date(2026, 1, 12)),  # Saturday 10 → Monday 12
        (date(2026, 1, 3), 8, "75001", date(2026, 1, 12)),  # Sunday 11 → Monday 12
        (date(2026, 7, 6), 8, "75001", date(2026, 7, 15)),  # 14 July (Tuesday) → 15
        (date(2026, 3, 29), 8, "75001", date(2026, 4, 7)),  # Easter Monday 6 April 2026 → 7
        # Vendredi saint 3 April 2026: a holiday in Alsace-Moselle only (then the Easter weekend and Monday).
        (date(2026, 3, 26), 8, "75001", date(2026, 4, 3)),
        (date(2026, 3, 26), 8, "67000", date(2026, 4, 7)),
        (date(2026, 3, 26), 8, "68100", date(2026, 4, 7)),
        (date(2026, 3, 26), 8, "57000", date(2026, 4, 7)),
        # 26 December 2025 (Friday): Alsace-Moselle only.
        (date(2025, 12, 18), 8, "75001", date(2025, 12, 26)),
        (date(2025, 12, 18), 8, "67000", date(2025, 12, 29)),
        # Saturday 1 January 2028 (holiday and weekend) → Monday 3 January: next year's calendar is used.
        (date(2027, 12, 24), 8, "75001", date(2028, 1, 3)),
        # 15 days, Ascension (Thursday 14 May 2026).
        (date(2026, 4, 29), 15, "75001", date(2026, 5, 15)),
        # La Réunion: 20 December (abolition of slavery), Monday 20 December 2027.
        (date(2027, 12, 12), 8, "97400", date(2027, 12, 21)),
        (date(2027, 12, 12), 8, "75001", date(2027, 12, 20)),
        # Corsica uses the national calendar.
        (date(2026, 7, 6), 8, "20000", date(2026, 7, 15)),
    ],
)
def test_formal_notice_deadline(receipt: date, days: int, postal_code: str, expected: date) -> None:
    assert formal_notice_deadline(receipt, days, postal_code=postal_code) == expected


def test_formal_notice_deadline_abroad_uses_that_country_holidays() -> None:
    # Belgium: 21 July is the national holiday (Wednesday in 2027); France would not move.
    assert formal_notice_deadline(date(2027, 7, 13), 8, postal_code="1000", country="BE") == date(2027, 7, 22)
    assert formal_notice_deadline(date(2027, 7, 13), 8, postal_code="75001") == date(2027, 7, 21)


def test_unknown_country_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        formal_notice_deadline(date(2027, 7, 13), 8, postal_code="1000", country="XX")
    assert raised.value.errors[0].field == "country"


@pytest.mark.parametrize("days", [0, -8])
def test_deadline_needs_at_least_one_day(days: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        formal_notice_deadline(date(2026, 1, 5), days, postal_code="75001")
    assert raised.value.errors[0].field == "days"


@pytest.mark.parametrize(
    ("postal_code", "departement"),
    [
        ("75001", "75"),
        ("01000", "01"),
        ("67000", "67"),
        ("20000", "2A"),
        ("20199", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97100", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97500", "975"),
        ("97600", "976"),
        ("98800", "988"),
    ],
)
def test_departement_of(postal_code: str, departement: str) -> None:
    assert departement_of(postal_code) == departement


@pytest.mark.parametrize("postal_code", ["7500", "750011", "ABCDE", "75 01", "98000", "97900", "00100", "７５００１"])
def test_departement_of_rejects(postal_code: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        departement_of(postal_code)
    assert raised.value.errors[0].field == "postal_code"


@pytest.mark.parametrize(
    ("postal_code", "day", "is_holiday"),
    [
        ("67000", date(2026, 12, 26), True),
        ("57000", date(2026, 4, 3), True),
        ("75001", date(2026, 4, 3), False),
        ("97100", date(2026, 5, 27), True),  # Guadeloupe
        ("97200", date(2026, 5, 22), True),  # Martinique
        ("97300", date(2026, 6, 10), True),  # Guyane
        ("97600", date(2026, 4, 27), True),  # Mayotte
        ("75001", date(2026, 5, 25), True),  # Lundi de Pentecôte
    ],
)
def test_public_holidays_at_the_address(postal_code: str, day: date, is_holiday: bool) -> None:
    assert (day in public_holidays(postal_code, "FR", range(2026, 2027))) is is_holiday


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 5, 8), date(2026, 5, 11)),
        (date(2026, 5, 11), date(2026, 5, 11)),
        (date(2026, 5, 9), date(2026, 5, 11)),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day, public_holidays("75001", "FR", range(2026, 2027))) == expected


@pytest.mark.parametrize(
    ("delivered", "presented", "outcome", "expected"),
    [
        (
            date(2026, 3, 4),
            date(2026, 3, 2),
            DeliveryOutcome.DELIVERED,
            Receipt(date(2026, 3, 4), deemed=False),
        ),
        (date(2026, 3, 4), None, DeliveryOutcome.DELIVERED, Receipt(date(2026, 3, 4), deemed=False)),
        (None, date(2026, 3, 2), DeliveryOutcome.UNCLAIMED, Receipt(date(2026, 3, 2), deemed=True)),
        (None, date(2026, 3, 2), DeliveryOutcome.REFUSED, Receipt(date(2026, 3, 2), deemed=True)),
    ],
)
def test_receipt_date(
    delivered: date | None, presented: date | None, outcome: DeliveryOutcome, expected: Receipt
) -> None:
    assert receipt_date(delivered, presented, outcome) == expected


@pytest.mark.parametrize(
    ("delivered", "presented", "outcome", "field"),
    [
        (None, date(2026, 3, 2), DeliveryOutcome.DELIVERED, "delivered_on"),
        (date(2026, 3, 4), None, DeliveryOutcome.UNCLAIMED, "first_presented_on"),
        (None, None, DeliveryOutcome.REFUSED, "first_presented_on"),
    ],
)
def test_receipt_date_needs_its_date(
    delivered: date | None, presented: date | None, outcome: DeliveryOutcome, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        receipt_date(delivered, presented, outcome)
    assert raised.value.errors[0].field == field


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 2, 29), 60, date(2029, 2, 28)),
        (date(2025, 3, 15), 24, date(2027, 3, 15)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2025, 11, 30), 1, date(2025, 12, 30)),
    ],
)
def test_add_months_cpc_641(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected
