"""What a case's next step would be, from its unpaid invoices and the letters already issued.

The escalation ladder (LEGAL.md Part B §1.2–1.3 and §5): a courteous pre-reminder before the due date, a
reminder after it, a firmer second reminder, the mise en demeure by registered letter, then the requête en
injonction de payer (CPC 1405 et s.) once the mise en demeure's deadline has passed. The waiting times
between reminders are house practice, not law (no text sets them): ``REMINDER_INTERVAL_DAYS``.
A payment plan does not move the case along the ladder: if it is not kept, the ladder resumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

LADDER = ("pre_reminder", "reminder", "second_reminder", "formal_notice", "injonction_de_payer")
#: Days between a reminder and the next letter (house practice; the law sets none, LEGAL.md Part B §1.2).
REMINDER_INTERVAL_DAYS = 15


@dataclass(frozen=True)
class IssuedLetter:
    """A letter of the case as issued: its kind, the date it bears, the deadline it gave (mise en demeure)."""

    kind: str
    date: date
    deadline_days: int | None = None


@dataclass(frozen=True)
class NextStep:
    """``action`` is a letter kind, ``injonction_de_payer`` or ``none``; ``not_before`` the first day it fits."""

    action: str
    not_before: date | None
    reason: str
    court: str | None = None


def _after(last: IssuedLetter, earliest_due: date, court: str) -> NextStep:
    interval = timedelta(days=REMINDER_INTERVAL_DAYS)
    if last.kind == "pre_reminder":
        return NextStep("reminder", earliest_due + timedelta(days=1), "the pre-reminder was sent; remind once due")
    if last.kind == "reminder":
        return NextStep(
            "second_reminder", last.date + interval, f"no payment {REMINDER_INTERVAL_DAYS} days after the reminder"
        )
    if last.kind == "second_reminder":
        return NextStep("formal_notice", last.date + interval, "the second reminder went unanswered")
    deadline = timedelta(days=(last.deadline_days or 8) + 1)
    return NextStep(
        "injonction_de_payer",
        last.date + deadline,
        "at the earliest: the mise en demeure's deadline runs from its receipt (LEGAL.md Part A §7–8), "
        "so the exact date follows the delivery facts",
        court,
    )


def next_step(today: date, unpaid_due_dates: Sequence[date], issued: Sequence[IssuedLetter], *, court: str) -> NextStep:
    """The next step of the ladder after the furthest letter issued (``LADDER``), and from when it fits.

    ``unpaid_due_dates``: the due dates of the invoices with a balance; none means the case is settled.
    Before any letter: a pre-reminder while no unpaid invoice is due yet, else a reminder.
    ``court``: the court the requête would go to, from ``domain.courts.debtor_court`` (the debtor's activity and
    commune), the same the letters and the dossier name.
    """
    if not unpaid_due_dates:
        return NextStep("none", None, "nothing is owed on this case")
    earliest_due = min(unpaid_due_dates)
    on_ladder = [letter for letter in issued if letter.kind in LADDER]
    if not on_ladder:
        if today <= earliest_due:
            return NextStep("pre_reminder", today, f"no invoice is past due before {earliest_due.isoformat()}")
        return NextStep("reminder", today, "an invoice is past due and no letter was sent")
    last = max(on_ladder, key=lambda letter: (LADDER.index(letter.kind), letter.date))
    return _after(last, earliest_due, court)
