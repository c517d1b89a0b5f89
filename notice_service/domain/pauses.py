"""The rules of promises to pay, manual pauses and calls, pure.

- A **promise to pay** names an amount (> 0, at most the case's balance) and a date: today (Europe/Paris) at the
  earliest, ``PROMISE_HORIZON_DAYS`` (90) days ahead at the latest; a longer arrangement is a payment plan
  (``payment_plan`` letter, signed by the debtor). The case is paused from the day it is made (``starts_on``)
  up to the day before the date (``until`` is the date: ``active_pauses`` names it while ``starts_on <= day <
  until``). It is judged once the date has passed (the day after it, so a payment recorded on the date
  counts): the payments recorded on the case's invoices since the promise was made reach the amount → ``kept``,
  else ``broken``.
- A **manual pause** resumes on ``until``: tomorrow at the earliest, ``PAUSE_HORIZON_DAYS`` (365) ahead at the
  latest, with a reason of ``PAUSE_REASONS`` (a note required for ``other``).
- One active pause **per kind** at a time: a second promise (or manual pause) while one is active is refused
  (409 naming the active one): cancel or resume it first, so the person decides which commitment holds.
- A **call** has one of ``CALL_OUTCOMES``; ``promise`` exactly when the call carries a promise to pay.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from notice_service.errors import FieldError

PROMISE_HORIZON_DAYS = 90
PAUSE_HORIZON_DAYS = 365
MAX_NOTE = 500
PAUSE_REASONS = ("debtor_request", "negotiation", "awaiting_information", "internal_review", "other")
CALL_OUTCOMES = (
    "reached",  # spoke with the debtor, nothing more specific
    "no_answer",
    "voicemail",  # a message was left
    "wrong_number",
    "promise",  # the debtor promised to pay (the call carries the promise)
    "dispute",  # the debtor contests the claim (record the dispute itself with POST …/disputes)
    "refused",  # the debtor refuses to pay without contesting
    "callback_requested",
)
OUTCOMES = ("kept", "broken", "resumed", "cancelled")


def promise_errors(amount: Decimal, on: date, today: date, balance: Decimal, prefix: str = "") -> list[FieldError]:
    """What is wrong with a promise of ``amount`` by ``on`` made ``today`` on a case owing ``balance``."""
    errors = []
    if amount <= 0:
        errors.append(FieldError(f"{prefix}amount", 'a promise is a positive amount, e.g. "250.00"'))
    elif amount > balance:
        errors.append(FieldError(f"{prefix}amount", f"at most the case's balance, {format(balance, 'f')}"))
    if on < today:
        errors.append(FieldError(f"{prefix}date", f"not in the past: {today.isoformat()} (Paris) at the earliest"))
    elif on > today + timedelta(days=PROMISE_HORIZON_DAYS):
        latest = (today + timedelta(days=PROMISE_HORIZON_DAYS)).isoformat()
        errors.append(FieldError(f"{prefix}date", f"at most {PROMISE_HORIZON_DAYS} days ahead ({latest}); "
                                 "offer a payment plan for a longer arrangement"))  # fmt: skip
    return errors


def pause_errors(until: date, today: date, reason: str, note: str | None) -> list[FieldError]:
    """What is wrong with a manual pause resuming on ``until``, asked ``today``."""
    errors = []
    if until <= today:
        errors.append(FieldError("until", f"a resume date after today, {today.isoformat()} (Paris)"))
    elif until > today + timedelta(days=PAUSE_HORIZON_DAYS):
        errors.append(FieldError("until", f"at most {PAUSE_HORIZON_DAYS} days ahead"))
    if reason not in PAUSE_REASONS:
        errors.append(FieldError("reason", f"one of {', '.join(PAUSE_REASONS)}"))
    if reason == "other" and not (note or "").strip():
        errors.append(FieldError("note", "say why the case is paused when the reason is 'other'"))
    return errors


def judged(until: date, today: date) -> bool:
    """Whether a promise dated ``until`` is judged ``today``: its date has passed."""
    return until < today


def promise_outcome(amount: Decimal, paid_since: Sequence[Decimal]) -> str:
    """``kept`` when the payments recorded since the promise reach its amount, else ``broken``."""
    return "kept" if sum(paid_since, Decimal(0)) >= amount else "broken"


def call_errors(outcome: str, has_promise: bool) -> list[FieldError]:
    """An outcome of ``CALL_OUTCOMES``; ``promise`` if and only if the call carries a promise."""
    if outcome not in CALL_OUTCOMES:
        return [FieldError("outcome", f"one of {', '.join(CALL_OUTCOMES)}")]
    if outcome == "promise" and not has_promise:
        return [FieldError("promise", "required when the outcome is 'promise': {amount, date}")]
    if outcome != "promise" and has_promise:
        return [FieldError("outcome", "'promise' when the call carries a promise to pay")]
    return []
