"""The shipped rate histories (LEGAL.md Part B §3a and §3c) and their loader.

Three CSV files, each row with its ``source``:

- ``ecb_mro.csv``: ``effective_date,rate_percent,source``, ECB main refinancing operations rate changes by
  *effective* date;
- ``coverage.csv``: ``table,confirmed_until,source``, the date up to which the ECB history was checked (a rate
  in force after it is unknown, never assumed unchanged);
- ``taux_legal.csv``: ``period,particuliers_percent,autres_cas_percent,source``, the taux de l'intérêt légal
  per half-year (``2026-S1``), or per year before 2015 (``2014``, same figure in both columns).

This package reads files, so it lives outside ``domain/``; domain functions take the ``RateTables`` it returns
as an argument.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources

from notice_service.domain.rates import EcbRateChange, HalfYear, LegalRate, RateTables

_ECB_COLUMNS = ["effective_date", "rate_percent", "source"]
_COVERAGE_COLUMNS = ["table", "confirmed_until", "source"]
_LEGAL_COLUMNS = ["period", "particuliers_percent", "autres_cas_percent", "source"]


class RateDataError(ValueError):
    """A shipped rate file is malformed (a packaging bug, never a user error)."""


def load_rate_tables() -> RateTables:
    """Read the shipped CSV files into ``RateTables`` (see ``parse_rate_tables``)."""
    folder = resources.files(__package__)
    return parse_rate_tables(
        ecb_mro=folder.joinpath("ecb_mro.csv").read_text(encoding="utf-8"),
        coverage=folder.joinpath("coverage.csv").read_text(encoding="utf-8"),
        taux_legal=folder.joinpath("taux_legal.csv").read_text(encoding="utf-8"),
    )


def parse_rate_tables(*, ecb_mro: str, coverage: str, taux_legal: str) -> RateTables:
    """Build ``RateTables`` from the text of the three CSV files; raises ``RateDataError`` naming the file and
    line of the first problem (missing column or source, bad date or percentage, missing coverage row)."""
    confirmed = [
        _date(where, row["confirmed_until"])
        for where, row in _rows("coverage.csv", coverage, _COVERAGE_COLUMNS)
        if row["table"] == "ecb_mro"
    ]
    if len(confirmed) != 1:
        raise RateDataError("coverage.csv: exactly one row must give confirmed_until for table ecb_mro")
    try:
        return RateTables(
            ecb_changes=tuple(_ecb_change(w, row) for w, row in _rows("ecb_mro.csv", ecb_mro, _ECB_COLUMNS)),
            ecb_confirmed_until=confirmed[0],
            legal_rates=tuple(_legal_rate(w, row) for w, row in _rows("taux_legal.csv", taux_legal, _LEGAL_COLUMNS)),
        )
    except ValueError as error:
        if isinstance(error, RateDataError):
            raise
        raise RateDataError(str(error)) from None


def _rows(name: str, text: str, columns: list[str]) -> Iterator[tuple[str, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    if reader.fieldnames != columns:
        raise RateDataError(f"{name}: header must be {','.join(columns)}")
    for row in reader:
        where = f"{name} line {reader.line_num}"
        if None in row or any(value is None or not value.strip() for value in row.values()):
            raise RateDataError(f"{where}: every column, including source, must be filled")
        yield where, row


def _ecb_change(where: str, row: dict[str, str]) -> EcbRateChange:
    return EcbRateChange(
        effective=_date(where, row["effective_date"]),
        rate=_percent(where, row["rate_percent"]),
        source=row["source"],
    )


def _legal_rate(where: str, row: dict[str, str]) -> LegalRate:
    period = row["period"]
    particuliers = _percent(where, row["particuliers_percent"])
    autres_cas = _percent(where, row["autres_cas_percent"])
    if period.isascii() and period.isdigit() and len(period) == 4:
        if particuliers != autres_cas:
            raise RateDataError(f"{where}: an annual (pre-2015) rate has a single figure for both columns")
        return LegalRate(int(period), None, particuliers, autres_cas, row["source"])
    try:
        half_year = HalfYear.parse(period)
    except ValueError as error:
        raise RateDataError(f"{where}: {error}") from None
    return LegalRate(half_year.year, half_year.half, particuliers, autres_cas, row["source"])


def _date(where: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RateDataError(f"{where}: {text!r} is not a YYYY-MM-DD date") from None


def _percent(where: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RateDataError(f"{where}: {text!r} is not a percentage") from None
    if not value.is_finite() or value < 0:
        raise RateDataError(f"{where}: {text!r} is not a percentage")
    return value
