"""What is due on a case on a day: the next step of its plan, or why nothing is.

The rules (the issue left the catch-up and the pre-reminder's window open; these are the decisions):

- The **carrying invoice** is the case's oldest unpaid invoice (earliest due date): a step anchored on the due
  date counts from its due date; a step anchored on the previous step counts from the day that step was taken.
- Steps are taken **in order**, each at most once per case: the step due is the first step after the last one
  taken. When several are past their date (a case planned late), the earliest untaken one goes now and the
  next ones count from it; the minimum interval keeps them apart. A second reminder cites the first, so no
  step is jumped over, except a **pre-reminder whose window has passed** (the carrying invoice is already due):
  it is passed over, not sent.
- A step goes out on its date, or later: not before the tenant's **minimum interval** after the last contact
  (at least one day: never two contacts on one day),
  and, when the tenant asks, only on a **working day at the debtor's address** (no Saturday, Sunday or public
  holiday there; the step waits for the next working day).
- Dates are Europe/Paris calendar dates; the caller converts instants with ``deadlines.PARIS``, and the
  arithmetic here is on dates only, so a daylight-saving change can never move a step by a day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from notice_service.domain.deadlines import next_working_day
from notice_service.domain.dunning.plans import Step


@dataclass(frozen=True)
class Calendar:
    min_interval_days: int = 0
    working_days_only: bool = False
    holidays: Container[date] = frozenset()


@dataclass(frozen=True)
class Due:
    step_index: int
    step: Step
    nominal_on: date  # the plan's date for the step
    send_on: date  # after the minimum interval and the working-day shift


@dataclass(frozen=True)
class NotDue:
    reason: str  # "plan_finished" | "not_yet" | "min_interval" | "non_working_day"
    next_on: date | None = None


def _nominal(step: Step, carrying_due: date, previous_on: date | None) -> date:
    if step.anchor == "previous" and previous_on is not None:
        return previous_on + timedelta(days=step.offset_days)
    return carrying_due + timedelta(days=step.offset_days)


def _next_index(steps: Sequence[Step], taken: Mapping[int, date], carrying_due: date, as_of: date) -> int | None:
    index = max(taken) + 1 if taken else 0
    while index < len(steps) and steps[index].action == "pre_reminder" and as_of >= carrying_due:
        index += 1  # its window has passed: a pre-reminder is never sent once the invoice is due
    return index if index < len(steps) else None


def step_due(
    steps: Sequence[Step],
    carrying_due: date,
    taken: Mapping[int, date],
    last_contact: date | None,
    as_of: date,
    calendar: Calendar,
) -> Due | NotDue:
    """The step due on ``as_of`` given the steps ``taken`` (index → day taken) and the last contact's day."""
    index = _next_index(steps, taken, carrying_due, as_of)
    if index is None:
        return NotDue("plan_finished")
    step = steps[index]
    previous_on = taken[max(taken)] if taken else None
    nominal = _nominal(step, carrying_due, previous_on)
    send_on = nominal
    if last_contact is not None:  # never two contacts on one day, whatever the interval
        send_on = max(send_on, last_contact + timedelta(days=max(calendar.min_interval_days, 1)))
    if calendar.working_days_only:
        send_on = next_working_day(send_on, calendar.holidays)
    if send_on > as_of:
        reason = "min_interval" if send_on > nominal and not calendar.working_days_only else "not_yet"
        return NotDue(reason, send_on)
    if calendar.working_days_only and next_working_day(as_of, calendar.holidays) != as_of:
        return NotDue("non_working_day", next_working_day(as_of, calendar.holidays))
    return Due(index, step, nominal, send_on)


def invoice_key(invoice_ids: Sequence[str]) -> str:
    """The identity of a set of invoices (order-free), under which a step is taken at most once."""
    return hashlib.sha256(",".join(sorted(invoice_ids)).encode("ascii")).hexdigest()


LADDER = ("pre_reminder", "reminder", "second_reminder", "formal_notice")


def with_letters_issued(
    steps: Sequence[Step], taken: Mapping[int, date], letters: Mapping[str, date]
) -> tuple[dict[int, date], date | None]:
    """The steps taken, counting the letters issued on the case outside any run (``letters``: kind → the day
    the last one was issued): a letter step is passed once a letter of its kind or a firmer one went out (a
    case sent a mise en demeure by hand never gets the plan's reminders). Answers them with the last contact's
    day (any step taken or letter issued)."""
    merged = dict(taken)
    firmest = max((LADDER.index(kind) for kind in letters if kind in LADDER), default=-1)
    if firmest >= 0:
        on = letters[LADDER[firmest]]
        for index, step in enumerate(steps):
            if step.letter_kind is not None and LADDER.index(step.letter_kind) <= firmest:
                merged.setdefault(index, on)
    days = [*merged.values(), *letters.values()]
    return merged, max(days) if days else None
