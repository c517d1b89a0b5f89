"""Public holidays at debtors' addresses, computed once per département (or country) for a whole run."""

from __future__ import annotations

from datetime import date

from notice_service.domain.deadlines import departement_of, public_holidays
from notice_service.errors import InvalidInput


class HolidayCache:
    def __init__(self, as_of: date) -> None:
        self._years = range(as_of.year - 1, as_of.year + 2)
        self._cache: dict[tuple[str, str], frozenset[date]] = {}

    def at(self, postal_code: str, country: str) -> frozenset[date]:
        try:
            key = (departement_of(postal_code) if country == "FR" else "", country)
        except InvalidInput:
            key = ("", "FR")  # an address the service cannot locate: the national calendar
        if key not in self._cache:
            where = postal_code if country == "FR" and key[0] else "75001"
            try:
                self._cache[key] = frozenset(public_holidays(where, country, self._years))  # type: ignore[call-overload]
            except InvalidInput:  # a country without a calendar: weekends only
                self._cache[key] = frozenset()
        return self._cache[key]
