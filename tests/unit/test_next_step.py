"""The escalation ladder of a case (notice_service.domain.next_step)."""

from __future__ import annotations

from datetime import date

import pytest

from notice_service.domain.next_step import IssuedLetter, next_step

TODAY = date(2026, 11, 20)
DUE = [date(2026, 12, 15), date(2026, 10, 31)]


@pytest.mark.parametrize(
    ("due", "issued", "action", "not_before"),
    [
        ([], [], "none", None),
        ([date(2026, 12, 15)], [], "pre_reminder", TODAY),
        ([date(2026, 11, 20)], [], "pre_reminder", TODAY),  # due today: not past due yet
        (DUE, [], "reminder", TODAY),
        ([date(2026, 12, 15)], [IssuedLetter("pre_reminder", TODAY)], "reminder", date(2026, 12, 16)),
        (DUE, [IssuedLetter("reminder", date(2026, 11, 2))], "second_reminder", date(2026, 11, 17)),
        (
            DUE,
            [IssuedLetter("reminder", date(2026, 11, 2)), IssuedLetter("second_reminder", date(2026, 11, 18))],
            "formal_notice",
            date(2026, 12, 3),
        ),
        (
            DUE,
            [IssuedLetter("formal_notice", date(2026, 11, 18), 15), IssuedLetter("reminder", date(2026, 11, 19))],
            "injonction_de_payer",
            date(2026, 12, 4),
        ),
        (DUE, [IssuedLetter("payment_plan", date(2026, 11, 18))], "reminder", TODAY),
    ],
)
def test_the_ladder(due: list[date], issued: list[IssuedLetter], action: str, not_before: date | None) -> None:
    step = next_step(TODAY, due, issued, business=True)
    assert (step.action, step.not_before) == (action, not_before)
    assert step.reason


@pytest.mark.parametrize(("business", "court"), [(True, "tribunal de commerce"), (False, "tribunal judiciaire")])
def test_injonction_names_the_competent_court(business: bool, court: str) -> None:
    step = next_step(TODAY, DUE, [IssuedLetter("formal_notice", date(2026, 11, 1))], business=business)
    assert step.court == court
    assert step.not_before == date(2026, 11, 10)  # 8 days by default, the day after
