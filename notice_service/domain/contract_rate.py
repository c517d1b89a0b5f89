"""The CGV penalty clause as input: the rate a tenant profile or an invoice states, checked at entry.

A contractual rate is a percentage per year (``"12.5"``) or ``"3x_legal"`` ("trois fois le taux d'intérêt
légal"). C. com. L441-10 II forbids a rate below 3 × the taux légal: a rate under the floor of a half-year
it would apply to is refused at entry, naming the floor (LEGAL.md Part A §2). Only half-years whose taux légal
is known can be checked at entry; the engine checks every half-year again when it computes
(``interest.rate_for``), so a rate that a later taux légal overtakes is refused then, never applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from notice_service.domain.interest import THREE_TIMES_LEGAL, ContractualTerm
from notice_service.domain.rates import HalfYear, RateTables, contractual_rate_floor
from notice_service.errors import RateUnknown

#: Longest clause text kept (a CGV article, not the whole CGV).
MAX_CLAUSE_LENGTH = 2000
_MAX_RATE = Decimal("100")
_FOUR_DECIMALS = Decimal("0.0001")


def parse_term(value: object) -> ContractualTerm:
    """The contractual term ``value`` states; ``ValueError`` with what to write instead."""
    if value == THREE_TIMES_LEGAL:
        return THREE_TIMES_LEGAL
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f'a percentage per year such as "12.5", or "{THREE_TIMES_LEGAL}"')
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f'a percentage per year such as "12.5", or "{THREE_TIMES_LEGAL}"') from exc
    if not rate.is_finite() or rate <= 0 or rate > _MAX_RATE or rate.quantize(_FOUR_DECIMALS) != rate:
        raise ValueError('a positive percentage per year, at most 100 and 4 decimals, e.g. "12.5"')
    return rate


def term_json(term: ContractualTerm) -> str:
    """How a term is stored and answered: ``"3x_legal"`` or the percentage as a decimal string."""
    return term if isinstance(term, str) else format(term, "f")


def floor_problem(tables: RateTables, term: ContractualTerm, half_years: Sequence[HalfYear]) -> str | None:
    """Why ``term`` is under the L441-10 II floor of one of ``half_years`` whose taux légal is known, or
    ``None``. ``"3x_legal"`` is the floor itself."""
    if not isinstance(term, Decimal):
        return None
    for half_year in half_years:
        try:
            floor = contractual_rate_floor(tables, half_year)
        except RateUnknown:
            continue
        if term < floor:
            return (
                f"{term} % is below the floor of {floor} % for {half_year.label} (3 × the taux légal "
                f"'autres cas', C. com. L441-10 II): write a rate of at least {floor}, or \"{THREE_TIMES_LEGAL}\""
            )
    return None


def clause_problem(value: object) -> str | None:
    """Why ``value`` is not a clause text (1 to 2000 characters), or ``None``."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CLAUSE_LENGTH:
        return f"the text of the CGV penalty clause, 1 to {MAX_CLAUSE_LENGTH} characters"
    return None
