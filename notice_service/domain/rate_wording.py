"""What a person reads about a rate: its basis and, for each period, its formula and source, in French.

A judge must be able to recompute the décompte (issue 12, findings 4 and 6): each invoice says which basis
applies and why (the CGV clause, the L441-10 II default rate or the taux légal), each period says how its rate
is made ("taux BCE au 1er janvier 2026 (2,15 %) majoré de 10 points", "3 × taux d'intérêt légal, 1er semestre
2026, créancier professionnel (2,62 %)"), and the day basis and the imputation of payments are said in words
("base 365 jours", never ``actual/365`` or ``interest_first``).
"""

from __future__ import annotations

from notice_service.domain.french_format import date_fr, percent_fr
from notice_service.domain.interest import (
    ContractualRate,
    DayCount,
    LegalInterestRate,
    RateBasis,
    StatutoryRate,
    ThreeTimesLegalRate,
)
from notice_service.domain.rates import HalfYear, RateTables, ecb_rate_on, legal_rate

#: The stable code of each basis, for the JSON API (``basis.kind``).
BASIS_CODES = {
    StatutoryRate: "statutory",
    ContractualRate: "contractual",
    ThreeTimesLegalRate: "three_times_legal",
    LegalInterestRate: "legal",
}

_L441_10 = "art. L441-10 II du code de commerce"


def basis_code(basis: RateBasis) -> str:
    """``statutory``, ``contractual``, ``three_times_legal`` or ``legal``."""
    return BASIS_CODES[type(basis)]


def basis_wording(basis: RateBasis) -> str:
    """The basis of the rate and why it applies, as a letter or a décompte prints it."""
    if isinstance(basis, StatutoryRate):
        return (
            "taux appliqué par la Banque centrale européenne à son opération de refinancement la plus récente, "
            f"majoré de 10 points, à défaut de taux prévu au contrat ({_L441_10})"
        )
    if isinstance(basis, ContractualRate):
        return (
            f"taux contractuel de {percent_fr(basis.rate)} l’an prévu par les conditions générales de vente, "
            f"au moins égal à trois fois le taux d’intérêt légal ({_L441_10})"
        )
    if isinstance(basis, ThreeTimesLegalRate):
        return f"trois fois le taux d’intérêt légal, taux prévu par les conditions générales de vente ({_L441_10})"
    return "taux de l’intérêt légal (art. 1231-6 et 1344-1 du code civil, art. L313-2 du code monétaire et financier)"


def semester_fr(half_year: HalfYear) -> str:
    """``1er semestre 2026`` or ``2e semestre 2026``."""
    return f"{'1er' if half_year.half == 1 else '2e'} semestre {half_year.year}"


def _creditor_fr(professional: bool) -> str:
    return "créancier professionnel" if professional else "créancier particulier"


def period_formula(basis: RateBasis, half_year: HalfYear, tables: RateTables) -> str:
    """How the rate of ``half_year`` is made, with the figures it is made from (the source of each figure is
    the rate table: ECB decisions, the arrêté fixing the taux légal)."""
    if isinstance(basis, StatutoryRate):
        ecb = ecb_rate_on(tables, half_year.start)
        return f"taux BCE au {date_fr(half_year.start)} ({percent_fr(ecb)}) majoré de 10 points"
    if isinstance(basis, ContractualRate):
        return f"taux contractuel des conditions générales de vente ({percent_fr(basis.rate)})"
    if isinstance(basis, ThreeTimesLegalRate):
        legal = legal_rate(tables, half_year, creditor_is_professional=True)
        return f"3 × taux d’intérêt légal, {semester_fr(half_year)}, créancier professionnel ({percent_fr(legal)})"
    legal = legal_rate(tables, half_year, basis.creditor_is_professional)
    professional = _creditor_fr(basis.creditor_is_professional)
    return f"taux d’intérêt légal, {semester_fr(half_year)}, {professional} ({percent_fr(legal)})"


def day_count_fr(day_count: DayCount) -> str:
    """The day basis in words: ``base 365 jours`` (or 366 for the days of a leap year)."""
    if day_count is DayCount.ACTUAL_ACTUAL:
        return "base 365 jours (366 jours pour les jours d’une année bissextile)"
    return "base 365 jours"


def imputation_fr(interest_first: bool) -> str:
    """The order in which payments were imputed, in words."""
    if interest_first:
        return "paiements imputés d’abord sur les intérêts, puis sur le principal (art. 1343-1 du code civil)"
    return "paiements imputés d’abord sur le principal, puis sur les intérêts"
