"""The list's next step (``use_cases.cases.listing.next_action``, from two stored columns) agrees with
``domain.next_step`` (from the letters and invoices themselves) in every situation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notice_service.domain.next_step import IssuedLetter, next_step
from notice_service.use_cases.cases.listing import next_action

TODAY = date(2026, 11, 20)
STAGES = [None, "pre_reminder", "reminder", "second_reminder", "formal_notice"]
DUES = [None, TODAY - timedelta(days=40), TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("due", DUES)
@pytest.mark.parametrize("court", ["tribunal de commerce", "tribunal judiciaire"])
def test_next_action_matches_the_ladder(stage: str | None, due: date | None, court: str) -> None:
    letters = [] if stage is None else [IssuedLetter(stage, TODAY - timedelta(days=20), 8)]
    earlier = [IssuedLetter("pre_reminder", TODAY - timedelta(days=60))] if stage not in (None, "pre_reminder") else []
    plan = [IssuedLetter("payment_plan", TODAY - timedelta(days=2))]  # off the ladder: changes nothing
    unpaid = [] if due is None else [due, due + timedelta(days=30)]
    expected = next_step(TODAY, unpaid, earlier + letters + plan, court=court).action
    assert next_action(stage, due, TODAY) == expected
