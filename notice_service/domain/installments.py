"""A proposed payment plan (échéancier): instalments with dates and amounts that settle a total exactly.

The plan is an offer (C. civ. 1113–1114: precise and firm, so its dates and amounts are fixed); once the
debtor signs it, it acknowledges the debt and interrupts prescription (C. civ. 2240).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from notice_service.domain.money import ZERO, has_cents_precision

#: Longest plan offered: three years of monthly instalments (house limit, not law).
MAX_INSTALLMENTS = 36


@dataclass(frozen=True)
class Installment:
    due_date: date
    amount: Decimal


def installment_problems(installments: Sequence[Installment], total: Decimal, today: date) -> list[tuple[str, str]]:
    """``(field, problem)`` pairs, empty when the plan is acceptable: 1 to ``MAX_INSTALLMENTS`` instalments,
    positive amounts in cents, dates from ``today`` on and strictly increasing, summing to ``total``."""
    if not 1 <= len(installments) <= MAX_INSTALLMENTS:
        return [("installments", f"between 1 and {MAX_INSTALLMENTS} instalments")]
    problems = []
    previous: date | None = None
    for index, item in enumerate(installments):
        if item.amount <= ZERO or not has_cents_precision(item.amount):
            problems.append((f"installments[{index}].amount", "a positive amount in euros and cents"))
        if item.due_date < today:
            problems.append((f"installments[{index}].due_date", f"on or after {today.isoformat()}"))
        elif previous is not None and item.due_date <= previous:
            problems.append((f"installments[{index}].due_date", "after the previous instalment's date"))
        previous = item.due_date
    planned = sum((item.amount for item in installments), ZERO)
    if planned != total:
        problems.append(("installments", f"the instalments add up to {planned}, the total due is {total}"))
    return problems
