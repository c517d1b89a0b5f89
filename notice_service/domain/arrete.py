"""The arrêté of a décompte: interest computed up to the last day the confirmed rates cover, the later
interest claimed in words ("intérêts arrêtés au 30 juin 2026, outre les intérêts postérieurs au taux … à
compter du 1er juillet 2026") instead of a refusal.

Only on request (``"interest_until": "last_confirmed"``): without it a missing rate is refused
(``RateUnknown``), never guessed. The last covered day is the end of the latest half-year whose rates are
both known: its ECB reference rate (1 January or 1 July within the confirmed ECB history, C. com. L441-10 II)
and its taux légal (L313-2 C. mon. fin.; also the floor of a contractual rate). Both are required whatever
the basis, so one arrêté date serves every document of a case.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from notice_service.domain.french_format import date_fr, percent_fr
from notice_service.domain.interest import DebtorKind
from notice_service.domain.rates import HalfYear, RateTables

LAST_CONFIRMED = "last_confirmed"


def last_confirmed_day(tables: RateTables) -> date:
    """The last day of the latest half-year for which the tables hold both the ECB reference rate and the
    taux légal (e.g. 30 June 2026 for the shipped tables)."""
    ecb = HalfYear.of(tables.ecb_confirmed_until)
    legal = max(
        (HalfYear(r.year, r.half) if r.half is not None else HalfYear(r.year, 2) for r in tables.legal_rates),
        default=ecb,
    )
    return min(ecb, legal).end


def interest_stop(tables: RateTables, as_of: date, requested: str | None) -> date | None:
    """The arrêté date for a décompte at ``as_of``: ``None`` without the request, or when the confirmed
    rates already reach ``as_of`` (then interest runs to ``as_of`` as usual)."""
    if requested != LAST_CONFIRMED:
        return None
    last = last_confirmed_day(tables)
    return last if last < as_of else None


def day_fr(day: date) -> str:
    """``1er juillet 2026`` (the ordinal for the first of a month), else ``date_fr``."""
    text = date_fr(day)
    return "1er" + text[1:] if day.day == 1 and text.startswith("1 ") else text


def rate_words(debtor_kind: DebtorKind, contractual_rate: Decimal | str | None) -> str:
    """The rate of the later interest, in words: the L441-10 default, the contractual rate (a percentage, or
    ``"3x_legal"``: three times the taux légal), or the taux légal for a consumer."""
    if debtor_kind is DebtorKind.CONSUMER:
        return "taux de l’intérêt légal"
    if contractual_rate == "3x_legal":
        return "taux contractuel de trois fois le taux de l’intérêt légal"
    if isinstance(contractual_rate, Decimal):
        return f"taux contractuel de {percent_fr(contractual_rate)}"
    return "taux de refinancement de la BCE majoré de 10 points (art. L441-10 du code de commerce)"


def arrete_sentence(stop: date, debtor_kind: DebtorKind, contractual_rate: Decimal | str | None) -> str:
    """``Intérêts arrêtés au 30 juin 2026, outre les intérêts postérieurs au … à compter du 1er juillet 2026.``"""
    return (
        f"Intérêts arrêtés au {day_fr(stop)}, outre les intérêts postérieurs au "
        f"{rate_words(debtor_kind, contractual_rate)} à compter du {day_fr(stop + timedelta(days=1))}."
    )
