"""One contract for every ``Clock``: the system's UTC clock and the fixed clock of tests and benchmarks.

Each factory answers the clock and the reference it must agree with: the wall clock (``datetime.now(UTC)``,
within a few seconds; the one place a comparison with the wall clock is legitimate) for ``SystemClock``, its
own instant (exactly) for ``FixedClock``. No assertion depends on today's date: the fixed instant is an
arbitrary moment and the system clock is only compared with another reading of the same wall clock.
The last section pins what is particular to ``FixedClock``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from notice_service.adapters.system_clock import FixedClock, SystemClock
from notice_service.ports import Clock

PARIS_SUMMER = timezone(timedelta(hours=2))
INSTANT = datetime(2031, 3, 30, 1, 59, 59, 999_999, tzinfo=PARIS_SUMMER)  # arbitrary, given in local time


@dataclass(frozen=True)
class ClockCase:
    clock: Clock
    reference: Callable[[], datetime]  # what "now" must agree with
    tolerance: timedelta


CLOCKS: dict[str, Callable[[], ClockCase]] = {
    "system": lambda: ClockCase(SystemClock(), lambda: datetime.now(UTC), timedelta(seconds=5)),
    "fixed": lambda: ClockCase(FixedClock(INSTANT), lambda: INSTANT, timedelta(0)),
}


@pytest.fixture(params=sorted(CLOCKS))
def case(request: pytest.FixtureRequest) -> ClockCase:
    return CLOCKS[request.param]()


def test_now_is_timezone_aware_utc(case: ClockCase) -> None:
    now = case.clock.now()
    assert isinstance(now, datetime)
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)  # UTC, not the local offset it may have been given in


def test_now_agrees_with_its_reference(case: ClockCase) -> None:
    before = case.reference()
    now = case.clock.now()
    after = case.reference()
    assert before - case.tolerance <= now <= after + case.tolerance, (before, now, after)


def test_now_never_goes_backwards_between_calls(case: ClockCase) -> None:
    readings = [case.clock.now() for _ in range(2000)]
    assert all(earlier <= later for earlier, later in itertools.pairwise(readings))


# What is particular to FixedClock.


def test_fixed_clock_answers_its_instant_converted_to_utc() -> None:
    clock = FixedClock(INSTANT)
    assert clock.now() == INSTANT
    assert clock.now().timetuple()[:6] == (2031, 3, 29, 23, 59, 59)  # its fields are UTC wall time
    assert clock.now() == clock.now()


def test_fixed_clock_advances_by_the_given_delta_and_stays_utc() -> None:
    clock = FixedClock(INSTANT)
    clock.advance(timedelta(hours=1, microseconds=1))
    assert clock.now() == datetime(2031, 3, 30, 1, 0, 0, 0, tzinfo=UTC)
    assert clock.now().tzinfo == UTC


def test_fixed_clock_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2031, 3, 30, 12, 0))  # noqa: DTZ001 — the naive datetime is the point
