"""Prescription: 5 years B2B (C. com. L110-4), 2 years B2C (C. conso. L218-2), restarted by acknowledgements
(C. civ. 2240), CPC 641 year arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from notice_service.domain.interest import DebtorKind
from notice_service.domain.prescription import prescription_date, prescription_start

B2B = DebtorKind.BUSINESS
B2C = DebtorKind.CONSUMER


@pytest.mark.parametrize(
    ("due", "kind", "acknowledgements", "expected"),
    [
        (date(2025, 3, 15), B2B, [], date(2030, 3, 15)),
        (date(2025, 3, 15), B2C, [], date(2027, 3, 15)),
        # 29 February: same day number does not exist → last day of February.
        (date(2024, 2, 29), B2B, [], date(2029, 2, 28)),
        (date(2024, 2, 29), B2C, [], date(2026, 2, 28)),
        # A partial payment restarts a full period from its date.
        (date(2025, 3, 15), B2B, [date(2026, 1, 10)], date(2031, 1, 10)),
        (date(2025, 3, 15), B2C, [date(2026, 1, 10)], date(2028, 1, 10)),
        # The latest acknowledgement counts, whatever the input order.
        (date(2025, 3, 15), B2C, [date(2027, 1, 5), date(2026, 1, 10)], date(2029, 1, 5)),
        # Chained: each acknowledgement falls inside the running period.
        (date(2020, 1, 31), B2C, [date(2022, 1, 30), date(2024, 1, 29)], date(2026, 1, 29)),
        # Acknowledged on the last day: still in time.
        (date(2025, 3, 15), B2C, [date(2027, 3, 15)], date(2029, 3, 15)),
        # After the period ended: no revival.
        (date(2020, 3, 15), B2C, [date(2022, 3, 16)], date(2022, 3, 15)),
        # Before the due date: the period still starts at the due date.
        (date(2025, 3, 15), B2B, [date(2025, 2, 1)], date(2030, 3, 15)),
        # An acknowledgement on 29 February 2028.
        (date(2027, 1, 10), B2B, [date(2028, 2, 29)], date(2033, 2, 28)),
        # No weekend extension: 15 March 2030 is a Friday, 15 March 2031 a Saturday.
        (date(2026, 3, 15), B2B, [], date(2031, 3, 15)),
    ],
)
def test_prescription_date(due: date, kind: DebtorKind, acknowledgements: list[date], expected: date) -> None:
    assert prescription_date(due, kind, acknowledgements) == expected


def test_acknowledgements_default_to_none() -> None:
    assert prescription_date(date(2025, 3, 15), B2B) == date(2030, 3, 15)


def test_consumer_prescription_runs_from_delivery_or_completion_else_the_issue_date() -> None:
    """Issue 12 finding 8: C. conso. L218-2 runs from delivery or completion (Cass. 1re civ. 19 mai 2021,
    n° 20-12.520), not from the due date; B2B still from the due date (C. com. L110-4)."""
    issued, due, delivered = date(2026, 1, 10), date(2026, 3, 10), date(2025, 12, 20)
    start = prescription_start(DebtorKind.CONSUMER, due, issued, delivered)
    assert (start.day, start.basis) == (delivered, "delivered_on") and "L218-2" in start.reason_fr
    assert prescription_date(start.day, DebtorKind.CONSUMER) == date(2027, 12, 20)
    default = prescription_start(DebtorKind.CONSUMER, due, issued, None)
    assert (default.day, default.basis) == (issued, "issue_date") and "à défaut" in default.reason_fr
    business = prescription_start(DebtorKind.BUSINESS, due, issued, delivered)
    assert (business.day, business.basis) == (due, "due_date")
