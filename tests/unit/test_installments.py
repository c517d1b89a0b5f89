"""A proposed payment plan's checks (notice_service.domain.installments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from notice_service.domain.installments import MAX_INSTALLMENTS, Installment, installment_problems

TODAY = date(2026, 11, 20)


def plan(*items: tuple[date, str]) -> list[Installment]:
    return [Installment(day, Decimal(amount)) for day, amount in items]


def test_a_plan_that_settles_the_total_is_accepted() -> None:
    items = plan((TODAY, "500.00"), (date(2026, 12, 20), "500.00"), (date(2027, 1, 20), "234.56"))
    assert installment_problems(items, Decimal("1234.56"), TODAY) == []


@pytest.mark.parametrize(
    ("items", "field", "words"),
    [
        (plan((TODAY, "100.00")), "installments", "add up to 100.00, the total due is 1234.56"),
        (plan((date(2026, 11, 19), "1234.56")), "installments[0].due_date", "on or after 2026-11-20"),
        (plan((TODAY, "617.28"), (TODAY, "617.28")), "installments[1].due_date", "after the previous"),
        (plan((TODAY, "1234.555"), (date(2027, 1, 1), "0.005")), "installments[0].amount", "euros and cents"),
        (plan((TODAY, "1300.00"), (date(2027, 1, 1), "-65.44")), "installments[1].amount", "positive"),
        ([], "installments", f"between 1 and {MAX_INSTALLMENTS}"),
    ],
)
def test_bad_plans_name_the_field(items: list[Installment], field: str, words: str) -> None:
    problems = installment_problems(items, Decimal("1234.56"), TODAY)
    assert any(name == field and words in problem for name, problem in problems), problems
