"""Official rates: the half-year calendar, the ECB MRO history, the taux de l'intérêt légal, and the rates
derived from them (L441-10 default penalty rate, legal rate, 3 × legal rate floor).

Rates are data, never guesses (LEGAL.md Part A §5): a ``RateTables`` value carries the histories shipped in
``notice_service.rate_data`` (or added with ``notice-service rates add``) and the date up to which the ECB
history is confirmed. Every lookup outside what the tables know raises ``RateUnknown`` naming the half-year
and the command that adds the missing rate. All rates are percentages per year as ``Decimal`` (``12.15``
means 12.15 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from notice_service.errors import FieldError, InvalidInput, RateUnknown

Half = Literal[1, 2]

#: L441-10 II: "taux ... de la BCE ... majoré de 10 points de pourcentage".
L441_10_MARGIN = Decimal("10")
#: L441-10 II: a contractual rate may not be lower than three times the taux d'intérêt légal.
CONTRACTUAL_FLOOR_FACTOR = Decimal("3")
#: The command that fetches published rates (``use_cases/rate_sync.py``), named by every refusal.
SYNC_COMMAND = "notice-service rates sync"
#: Loi 2012-387 art. 121 introduced the semester rule from 1 Jan 2013; earlier delays are not computed.
FIRST_SEMESTER_RULE_YEAR = 2013


@dataclass(frozen=True, order=True)
class HalfYear:
    """A calendar half-year (semestre): S1 = 1 Jan–30 Jun, S2 = 1 Jul–31 Dec."""

    year: int
    half: Half

    def __post_init__(self) -> None:
        if self.half not in (1, 2):
            raise ValueError(f"half must be 1 or 2, not {self.half!r}")

    @classmethod
    def of(cls, day: date) -> HalfYear:
        """The half-year ``day`` falls in."""
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, label: str) -> HalfYear:
        """Parse a label like ``"2026-S1"`` (the form ``label`` produces); raises ``ValueError``."""
        year, sep, half = label.partition("-S")
        if not (sep and year.isascii() and year.isdigit() and len(year) == 4 and half in ("1", "2")):
            raise ValueError(f"{label!r} is not a half-year: write it like '2026-S1' or '2026-S2'")
        return cls(int(year), 1 if half == "1" else 2)

    @property
    def start(self) -> date:
        """First day, also the L441-10 reference date (1 January or 1 July)."""
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        """Last day (30 June or 31 December)."""
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def label(self) -> str:
        """``"2026-S1"``: the form used in messages, CSV data and the CLI."""
        return f"{self.year}-S{self.half}"

    def next(self) -> HalfYear:
        """The following half-year."""
        return HalfYear(self.year, 2) if self.half == 1 else HalfYear(self.year + 1, 1)


@dataclass(frozen=True)
class EcbRateChange:
    """An ECB MRO rate from ``effective`` (the effective date, not the decision date)."""

    effective: date
    rate: Decimal
    source: str


@dataclass(frozen=True)
class LegalRate:
    """Taux de l'intérêt légal (C. mon. fin. L313-2) for one half-year, or one year before 2015 (``half``
    is then ``None`` and both columns carry the single annual rate)."""

    year: int
    half: Half | None
    particuliers: Decimal
    autres_cas: Decimal
    source: str

    @property
    def label(self) -> str:
        """``"2026-S1"`` for a half-year rate, ``"2014"`` for an annual one."""
        return str(self.year) if self.half is None else HalfYear(self.year, self.half).label

    def covers(self, half_year: HalfYear) -> bool:
        """True when this rate applies to ``half_year``."""
        return self.year == half_year.year and self.half in (None, half_year.half)


@dataclass(frozen=True)
class RateTables:
    """The rate histories a computation may use.

    ``ecb_changes`` are sorted by effective date; the ECB history is confirmed only up to
    ``ecb_confirmed_until`` (the last Governing Council meeting checked): the rate in force on a later date
    is unknown even if no change is listed. ``legal_rates`` hold one entry per half-year (per year before
    2015).
    """

    ecb_changes: tuple[EcbRateChange, ...]
    ecb_confirmed_until: date
    legal_rates: tuple[LegalRate, ...]

    def __post_init__(self) -> None:
        dates = [change.effective for change in self.ecb_changes]
        if dates != sorted(set(dates)):
            raise ValueError("ECB rate changes must be sorted by effective date, without duplicates")
        labels = [rate.label for rate in self.legal_rates]
        if len(labels) != len(set(labels)):
            raise ValueError("each legal-rate period may appear only once")


def _unknown(half_year: HalfYear, kind: Literal["ecb", "legal"], what: str) -> RateUnknown:
    example = (
        f"notice-service rates add --kind ecb --effective {half_year.start.isoformat()} --rate <percent> --source <url>"
        if kind == "ecb"
        else f"notice-service rates add --kind legal --half-year {half_year.label} --particuliers <percent> "
        "--autres-cas <percent> --source <url>"
    )
    return RateUnknown(
        f"The {what} for {half_year.label} is not in the rate tables. Run `{SYNC_COMMAND}` once it is "
        f"published, or add it, with its source, with `{example}`, then compute again; or ask for the interest "
        'to be arrêté at the last confirmed rates ("interest_until": "last_confirmed").',
        extra={"half_year": half_year.label, "kind": kind, "command": example, "sync_command": SYNC_COMMAND},
    )


def ecb_rate_on(tables: RateTables, day: date) -> Decimal:
    """The ECB MRO rate in force on ``day`` (L441-10 II: "taux ... de la BCE à son opération de refinancement
    principal la plus récente"). Raises ``RateUnknown`` when ``day`` is after the confirmed history or before
    its first row."""
    half_year = HalfYear.of(day)
    if day > tables.ecb_confirmed_until:
        raise _unknown(half_year, "ecb", f"ECB rate in force on {day.isoformat()}")
    in_force = [change for change in tables.ecb_changes if change.effective <= day]
    if not in_force:
        raise _unknown(half_year, "ecb", f"ECB rate in force on {day.isoformat()}")
    return in_force[-1].rate


def l441_10_rate(tables: RateTables, half_year: HalfYear) -> Decimal:
    """Default late-payment penalty rate for ``half_year`` (C. com. L441-10 II): the ECB MRO rate in force on
    1 January (S1) or 1 July (S2), plus 10 points; changes during the half-year are ignored.

    Decision (LEGAL.md is silent): half-years before 2013 S1 are refused with ``RateUnknown`` because the
    semester rule dates from loi 2012-387 (1 Jan 2013) and earlier delays fell under former L441-6, whose
    reference rate this service does not model.
    """
    if half_year.year < FIRST_SEMESTER_RULE_YEAR:
        raise RateUnknown(
            f"Late-payment penalties for {half_year.label} are not computed: the L441-10 semester rule "
            "applies from 2013-S1 (loi 2012-387); compute earlier delays by hand.",
            extra={"half_year": half_year.label, "kind": "ecb"},
        )
    return ecb_rate_on(tables, half_year.start) + L441_10_MARGIN


def legal_rate(tables: RateTables, half_year: HalfYear, creditor_is_professional: bool = True) -> Decimal:
    """Taux de l'intérêt légal for ``half_year`` (C. mon. fin. L313-2, D313-1-A): column B "autres cas"
    unless the creditor is a natural person not acting for professional needs (column A "particuliers").
    Before 2015 the single annual rate applies to both."""
    for rate in tables.legal_rates:
        if rate.covers(half_year):
            return rate.autres_cas if creditor_is_professional else rate.particuliers
    raise _unknown(half_year, "legal", "taux de l'intérêt légal")


def contractual_rate_floor(tables: RateTables, half_year: HalfYear) -> Decimal:
    """Lowest contractual penalty rate allowed for ``half_year``: 3 × the taux de l'intérêt légal, column B
    "autres cas", since the creditor is a professional (C. com. L441-10 II; LEGAL.md Part A §2)."""
    return CONTRACTUAL_FLOOR_FACTOR * legal_rate(tables, half_year, creditor_is_professional=True)


def check_contractual_rate(tables: RateTables, rate: Decimal, half_years: Sequence[HalfYear]) -> None:
    """Refuse a contractual penalty rate below the L441-10 II floor of any of ``half_years``.

    Raises ``InvalidInput`` (field ``contractual_rate``) naming the floor and its half-year, e.g. "below the
    floor of 7.86 % for 2026-S1".
    """
    for half_year in half_years:
        floor = contractual_rate_floor(tables, half_year)
        if rate < floor:
            message = (
                f"a contractual penalty rate of {rate} % is below the floor of {floor} % for "
                f"{half_year.label} (3 × the taux légal 'autres cas', C. com. L441-10 II)"
            )
            raise InvalidInput(
                f"The contractual rate is too low: {message}.",
                errors=[FieldError("contractual_rate", message)],
                extra={"floor": str(floor), "half_year": half_year.label},
            )


def with_added_rate(
    tables: RateTables, rate: EcbRateChange | LegalRate, *, confirmed_until: date | None = None
) -> RateTables:
    """A copy of ``tables`` with ``rate`` added (the domain side of ``notice-service rates add``).

    An ECB change extends the confirmed history up to its effective date, or to ``confirmed_until`` when
    given (e.g. the date of the Governing Council meeting checked). Adding is not correcting: a rate that
    contradicts a known one, or an ECB change dated inside the confirmed history, raises ``InvalidInput``;
    re-adding an identical rate returns equal tables (idempotent).
    """
    if isinstance(rate, LegalRate):
        return _with_legal_rate(tables, rate)
    until = confirmed_until or rate.effective
    if until < rate.effective:
        raise InvalidInput("confirmed_until must not be before the effective date of the added ECB rate.")
    existing = [change for change in tables.ecb_changes if change.effective == rate.effective]
    if existing and existing[0].rate != rate.rate:
        raise _conflict(f"the ECB rate effective {rate.effective.isoformat()} is already {existing[0].rate} %")
    if not existing and rate.effective <= tables.ecb_confirmed_until:
        raise _conflict(
            f"the ECB history is confirmed up to {tables.ecb_confirmed_until.isoformat()}; "
            f"a change effective {rate.effective.isoformat()} would rewrite it"
        )
    changes = tables.ecb_changes if existing else (*tables.ecb_changes, rate)
    return replace(tables, ecb_changes=changes, ecb_confirmed_until=max(until, tables.ecb_confirmed_until))


def _with_legal_rate(tables: RateTables, rate: LegalRate) -> RateTables:
    for known in tables.legal_rates:
        if known.label == rate.label or (known.year == rate.year and None in (known.half, rate.half)):
            if (known.particuliers, known.autres_cas, known.half) == (
                rate.particuliers,
                rate.autres_cas,
                rate.half,
            ):
                return tables
            raise _conflict(f"the taux légal for {known.label} is already known")
    ordered = sorted((*tables.legal_rates, rate), key=lambda r: (r.year, r.half or 0))
    return replace(tables, legal_rates=tuple(ordered))


def _conflict(reason: str) -> InvalidInput:
    return InvalidInput(f"Rate not added: {reason}. Rates are added, not corrected; fix the data file instead.")


def half_years_between(first: date, last: date) -> tuple[HalfYear, ...]:
    """Every half-year with at least one day in ``first``..``last`` (inclusive); empty if ``last < first``."""
    if last < first:
        return ()
    result = [HalfYear.of(first)]
    while result[-1].end < last:
        result.append(result[-1].next())
    return tuple(result)
