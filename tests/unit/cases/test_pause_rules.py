"""The rules of promises to pay, manual pauses and calls (``domain/pauses.py``): bounds of amounts and dates,
the judgement of a promise, and the outcomes a call can have."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from notice_service.domain.pauses import (
    CALL_OUTCOMES,
    PROMISE_HORIZON_DAYS,
    call_errors,
    judged,
    pause_errors,
    promise_errors,
    promise_outcome,
)
from notice_service.errors import FieldError

TODAY = date(2026, 11, 20)
BALANCE = Decimal("1034.56")


def fields(errors: list[FieldError]) -> list[str]:
    return [e.field for e in errors]


@pytest.mark.parametrize(
    ("amount", "on", "expected"),
    [
        ("0.01", TODAY, []),  # today is allowed: "I pay this afternoon"
        ("1034.56", TODAY + timedelta(days=PROMISE_HORIZON_DAYS), []),  # the whole balance, on the last day
        ("1034.57", TODAY, ["amount"]),
        ("0", TODAY, ["amount"]),
        ("-1", TODAY, ["amount"]),
        ("10", TODAY - timedelta(days=1), ["date"]),
        ("10", TODAY + timedelta(days=PROMISE_HORIZON_DAYS + 1), ["date"]),
        ("0", TODAY - timedelta(days=1), ["amount", "date"]),
    ],
)
def test_promise_bounds(amount: str, on: date, expected: list[str]) -> None:
    assert fields(promise_errors(Decimal(amount), on, TODAY, BALANCE)) == expected


def test_a_promise_inside_a_call_names_its_fields_under_promise() -> None:
    errors = promise_errors(Decimal(0), TODAY - timedelta(days=1), TODAY, BALANCE, "promise.")
    assert fields(errors) == ["promise.amount", "promise.date"]


@pytest.mark.parametrize(
    ("until", "reason", "note", "expected"),
    [
        (TODAY + timedelta(days=1), "negotiation", None, []),
        (TODAY + timedelta(days=365), "other", "the manager asked", []),
        (TODAY, "negotiation", None, ["until"]),
        (TODAY + timedelta(days=366), "negotiation", None, ["until"]),
        (TODAY + timedelta(days=3), "holiday", None, ["reason"]),
        (TODAY + timedelta(days=3), "other", "  ", ["note"]),
    ],
)
def test_pause_bounds(until: date, reason: str, note: str | None, expected: list[str]) -> None:
    assert fields(pause_errors(until, TODAY, reason, note)) == expected


def test_a_promise_is_judged_the_day_after_its_date() -> None:
    promised = date(2026, 11, 30)
    assert not judged(promised, promised)
    assert judged(promised, promised + timedelta(days=1))


@pytest.mark.parametrize(
    ("paid", "outcome"),
    [([], "broken"), (["100.00"], "broken"), (["100.00", "199.99"], "broken"), (["300.00"], "kept"),
     (["150.00", "150.00"], "kept"), (["1000.00"], "kept")],
)  # fmt: skip
def test_kept_when_the_payments_since_reach_the_amount(paid: list[str], outcome: str) -> None:
    assert promise_outcome(Decimal("300.00"), [Decimal(p) for p in paid]) == outcome


def test_call_outcomes() -> None:
    assert all(call_errors(o, o == "promise") == [] for o in CALL_OUTCOMES)
    assert fields(call_errors("angry", False)) == ["outcome"]
    assert fields(call_errors("promise", False)) == ["promise"]
    assert fields(call_errors("reached", True)) == ["outcome"]
