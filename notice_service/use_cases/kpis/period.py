"""The period of the measures: ``from`` and ``to``, Europe/Paris calendar days, both included.

Defaults: ``to`` is today in Paris (the clock's), ``from`` is ``to`` − 89 days (a 90-day quarter, the
period a DSO is usually read over). ``from`` ≤ ``to``; at most ``MAX_DAYS`` days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from notice_service.domain.deadlines import PARIS
from notice_service.errors import FieldError, InvalidInput

DEFAULT_DAYS = 90
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_of(start: date | None, end: date | None, now: datetime) -> Period:
    """The period asked for, with the defaults; ``InvalidInput`` naming ``from`` or ``to`` otherwise."""
    end = end or now.astimezone(PARIS).date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput(
            "The period is empty.", errors=[FieldError("from", f"from ({start}) must not be after to ({end})")]
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(
            "The period is too long.",
            errors=[FieldError("from", f"a period covers at most {MAX_DAYS} days: ask for several periods")],
        )
    return Period(start, end)


def money(cents: int) -> str:
    """Integer cents as a decimal string (``123456`` → ``"1234.56"``)."""
    return format(Decimal(cents).scaleb(-2), "f")


def ratio(numerator: int, denominator: int, places: int) -> str | None:
    """``numerator / denominator`` rounded half-up to ``places`` decimals, as a string; None when dividing by 0."""
    if denominator == 0:
        return None
    exponent = Decimal(1).scaleb(-places)
    return format((Decimal(numerator) / Decimal(denominator)).quantize(exponent, ROUND_HALF_UP), "f")
