"""Calendar dates of legal and contractual periods: the deadline printed in a mise en demeure, the date a
registered letter counts as received, working days at the debtor's address, and month arithmetic (CPC 641).

Public holidays come from the ``holidays`` package (LEGAL.md Part A §8: "not a hand list"), chosen from the
debtor's postal code: Alsace-Moselle (57, 67, 68) adds 26 December and Vendredi saint; each DROM adds its
own days.
"""

from __future__ import annotations

import calendar
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

from notice_service.errors import FieldError, InvalidInput

PARIS = ZoneInfo("Europe/Paris")
"""French legal dates are Europe/Paris dates: a date the law counts (a letter's date, its receipt, the end of a
deadline) is the calendar date in Paris of the moment, whatever the server's or the stored time zone."""

#: First two digits of the postal code → ``holidays.France`` subdivision. 67 and 68 form the Collectivité
#: européenne d'Alsace ("6AE" in the package); 57 is Moselle.
_METROPOLITAN_SUBDIVISIONS = {"57": "57", "67": "6AE", "68": "6AE"}
#: First three digits (97x, 98x) → ``holidays.France`` subdivision: DROM and overseas collectivities.
_OVERSEAS_SUBDIVISIONS = {
    "971": "971",  # Guadeloupe
    "972": "972",  # Martinique
    "973": "973",  # Guyane
    "974": "974",  # La Réunion
    "975": "PM",  # Saint-Pierre-et-Miquelon
    "976": "976",  # Mayotte
    "977": "BL",  # Saint-Barthélemy
    "978": "MF",  # Saint-Martin
    "984": "TF",  # Terres australes et antarctiques françaises
    "986": "WF",  # Wallis-et-Futuna
    "987": "PF",  # Polynésie française
    "988": "NC",  # Nouvelle-Calédonie
}


class DeliveryOutcome(StrEnum):
    """How a registered letter (LRAR or LRE) ended, as far as receipt is concerned."""

    DELIVERED = "delivered"
    UNCLAIMED = "unclaimed"
    REFUSED = "refused"


@dataclass(frozen=True)
class Receipt:
    """The date a mise en demeure counts as received; ``deemed`` when it was never actually handed over."""

    on: date
    deemed: bool


def receipt_date(delivered_on: date | None, first_presented_on: date | None, outcome: DeliveryOutcome) -> Receipt:
    """Date of receipt of a mise en demeure sent by registered letter (CPC 669 for the delivered date;
    LEGAL.md Part B §4.2 and Part A §7): the delivery date; for an unclaimed or refused letter, the
    first-presentation date, flagged deemed (the mise en demeure stays valid: Cass. 1re civ. 20 janv. 2021,
    n°19-20.680).

    Raises ``InvalidInput`` when the date the outcome needs is missing.
    """
    if outcome is DeliveryOutcome.DELIVERED:
        if delivered_on is None:
            raise _missing("delivered_on", "a delivered letter needs its delivery date")
        return Receipt(delivered_on, deemed=False)
    if first_presented_on is None:
        raise _missing("first_presented_on", f"an {outcome.value} letter needs its first-presentation date")
    return Receipt(first_presented_on, deemed=True)


def _missing(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"The date of receipt cannot be set: {message}.", errors=[FieldError(field, message)])


def departement_of(postal_code: str) -> str:
    """The French département (or overseas collectivity) code of a 5-digit postal code: the first two digits,
    the first three for 97x/98x, and 2A/2B for Corsica (200xx–201xx Corse-du-Sud, 202xx–206xx Haute-Corse).
    Raises ``InvalidInput`` for anything else, including Monaco (980xx), which is not in France."""
    if not (len(postal_code) == 5 and postal_code.isascii() and postal_code.isdigit()):
        raise _bad_postal_code(postal_code, "a French postal code has 5 digits")
    if postal_code.startswith("20"):
        return "2A" if postal_code < "20200" else "2B"
    if postal_code.startswith(("97", "98")):
        if postal_code[:3] not in _OVERSEAS_SUBDIVISIONS:
            raise _bad_postal_code(postal_code, "not a postal code of a French département or collectivity")
        return postal_code[:3]
    if postal_code.startswith("00"):
        raise _bad_postal_code(postal_code, "no French département starts with 00")
    return postal_code[:2]


def _bad_postal_code(postal_code: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"{postal_code!r} cannot locate the debtor: {message}.", errors=[FieldError("postal_code", message)]
    )


def public_holidays(postal_code: str, country: str, years: range) -> Container[date]:
    """Public holidays at the debtor's address for ``years`` (C. trav. L3133-1; Alsace-Moselle local law,
    C. trav. L3134-13; DROM slavery-abolition days), from the ``holidays`` package.

    Decisions (LEGAL.md Part B §9 doubt 13): Vendredi saint counts in every commune of 57, 67 and 68 (the
    package does not know which communes have a Protestant temple; counting it only ever moves a deadline
    later, the conservative side); outside France (``country`` other than ``"FR"``) the national holidays of
    that country apply, without subdivision.
    """
    if country != "FR":
        try:
            return holidays.country_holidays(country, years=years)
        except NotImplementedError:
            message = f"no public-holiday calendar for country {country!r}"
            raise InvalidInput(f"{message}.", errors=[FieldError("country", message)]) from None
    departement = departement_of(postal_code)
    subdivision = _OVERSEAS_SUBDIVISIONS.get(departement) or _METROPOLITAN_SUBDIVISIONS.get(departement)
    return holidays.country_holidays("FR", subdiv=subdivision, years=years)


def next_working_day(day: date, holidays_at_address: Container[date]) -> date:
    """``day`` itself when it is a working day, else the next day that is neither a Saturday, a Sunday nor a
    public holiday (CPC 642 al. 1 applied to the mise en demeure, LEGAL.md Part A §8)."""
    while day.weekday() >= 5 or day in holidays_at_address:
        day += timedelta(days=1)
    return day


def formal_notice_deadline(receipt: date, days: int, *, postal_code: str, country: str = "FR") -> date:
    """Last day to pay under a mise en demeure giving ``days`` days from receipt (C. civ. 1231 "délai
    raisonnable"; LEGAL.md Part A §8 and Part B §4.1): receipt + ``days`` (the day of receipt is not counted,
    CPC 641), moved to the next working day when it falls on a Saturday, Sunday or public holiday at the
    debtor's address (CPC 642 by analogy, a conservative choice)."""
    if days < 1:
        message = "the period of a mise en demeure is at least 1 day"
        raise InvalidInput(f"{message}.", errors=[FieldError("days", message)])
    nominal = receipt + timedelta(days=days)
    # Two years: a deadline moved past 31 December needs the next year's holidays (1 January).
    calendar_at_address = public_holidays(postal_code, country, range(nominal.year, nominal.year + 2))
    return next_working_day(nominal, calendar_at_address)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` months per CPC 641 al. 2: the same day number (quantième), or the last day of
    the month when that number does not exist (31 Jan + 1 month = 28/29 Feb; 29 Feb + 12 months = 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))
