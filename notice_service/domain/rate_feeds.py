"""Reading the official rate feeds and deciding what ``notice-service rates sync`` adds (pure, no I/O).

Two sources (README "Rates that keep up" says where each comes from and why):

- the **ECB Data Portal** SDMX API, series ``FM.B.U2.EUR.4F.KR.MRR_FR.LEV`` (main refinancing operations,
  fixed rate, dates of changes) in its SDMX-CSV form (``format=csvdata``): one row per change, the columns
  this reader relies on being ``KEY``, ``TIME_PERIOD`` (the effective date) and ``OBS_VALUE`` (percent). The
  series starts on 15 October 2008 (fixed-rate tenders); the years before are the variable-rate tenders'
  minimum bid rate (``MRR_MBR``), which the shipped table already holds, so the sync needs only this series;
- the **Banque de France Webstat** API (``observations`` dataset, JSON export): one record per series and
  half-year with ``series_key``, ``time_period_start``, ``time_period_end`` and ``obs_value``; the two
  series (column A *particuliers*, column B *autres cas*) are named by configuration.

Every value is checked before anything is recorded; one bad value refuses the whole answer
(``RateSourceFailed``), so a sync records all of a source's additions or none:

- ECB: each row is the configured series, a date and a percentage (0 to 20, at most 3 decimals), dates
  increasing; every change the feed and the table both cover must agree (a feed that disagrees with the
  confirmed history, or that lacks one of its changes, is refused, not trusted). The answer confirms the
  history up to the day it was fetched; the half-year rule (C. com. L441-10 II: the rate in force on
  1 January or 1 July) then gives each newly covered half-year its reference rate, reported by the sync;
- taux légal: each record spans exactly one calendar half-year from 2015 (C. mon. fin. L313-2, fixed per
  semester since 2015), both columns are given, percentages at most 2 decimals below 100, and a half-year
  the table knows must carry the same figures.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from notice_service.domain.rates import (
    L441_10_MARGIN,
    EcbRateChange,
    HalfYear,
    LegalRate,
    RateTables,
    ecb_rate_on,
    with_added_rate,
)
from notice_service.errors import RateSourceFailed

#: The ECB series of the main refinancing operations' fixed rate, by date of change.
ECB_MRO_SERIES = "FM.B.U2.EUR.4F.KR.MRR_FR.LEV"
#: The ECB Data Portal answer for that series, SDMX-CSV (https://data.ecb.europa.eu/help/api/data).
ECB_MRO_URL = f"https://data-api.ecb.europa.eu/service/data/FM/{ECB_MRO_SERIES.removeprefix('FM.')}?format=csvdata"
#: The taux légal is fixed per half-year from 2015 (ordonnance 2014-947); before, per year.
FIRST_HALF_YEAR_RATE = 2015
_ECB_MAX = Decimal("20")
_LEGAL_MAX = Decimal("100")


@dataclass(frozen=True)
class EcbObservation:
    """One row of the ECB series: the MRO rate from ``effective``."""

    effective: date
    rate: Decimal


@dataclass(frozen=True)
class LegalObservation:
    """One half-year of the taux légal, both columns."""

    half_year: HalfYear
    particuliers: Decimal
    autres_cas: Decimal


@dataclass(frozen=True)
class EcbPlan:
    """What an ECB answer adds: new changes, the date the history is then confirmed to, and the L441-10
    reference rate (ECB + 10 points) of each half-year it newly covers."""

    changes: tuple[EcbRateChange, ...]
    confirmed_until: date
    half_year_rates: tuple[tuple[HalfYear, Decimal], ...]


def _refuse(source: str, reason: str) -> RateSourceFailed:
    return RateSourceFailed(
        f"The {source} answer was refused, nothing was recorded: {reason}. Check the URL, or add the rate by "
        "hand with `notice-service rates add`.",
        extra={"source": source, "reason": reason},
    )


def _percent(source: str, where: str, text: str, ceiling: Decimal, places: int) -> Decimal:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise _refuse(source, f"{where}: {text!r} is not a percentage") from None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not (0 <= value < ceiling) or not isinstance(exponent, int) or -exponent > places:
        raise _refuse(source, f"{where}: {text!r} is not a plausible rate in percent")
    return value


def _day(source: str, where: str, text: object) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise _refuse(source, f"{where}: {text!r} is not a YYYY-MM-DD date") from None


def parse_ecb_csv(text: str, series: str = ECB_MRO_SERIES) -> tuple[EcbObservation, ...]:
    """The observations of an SDMX-CSV answer of the ECB Data Portal; raises ``RateSourceFailed``."""
    source = "ECB Data Portal"
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    if not reader.fieldnames or not {"KEY", "TIME_PERIOD", "OBS_VALUE"} <= set(reader.fieldnames):
        raise _refuse(source, "the answer is not SDMX-CSV with KEY, TIME_PERIOD and OBS_VALUE columns")
    rows: list[EcbObservation] = []
    try:
        for row in reader:
            where = f"line {reader.line_num}"
            if row.get("KEY") != series:
                raise _refuse(source, f"{where}: series {row.get('KEY')!r}, expected {series}")
            effective = _day(source, where, row.get("TIME_PERIOD"))
            rows.append(EcbObservation(effective, _percent(source, where, row.get("OBS_VALUE") or "", _ECB_MAX, 3)))
    except csv.Error as error:
        raise _refuse(source, f"the CSV is damaged ({error})") from None
    if not rows:
        raise _refuse(source, "the answer holds no observation")
    if [r.effective for r in rows] != sorted({r.effective for r in rows}):
        raise _refuse(source, "the dates are not increasing")
    return tuple(rows)


def plan_ecb(tables: RateTables, rows: Sequence[EcbObservation], fetched_on: date, source: str) -> EcbPlan:
    """Check ``rows`` against the confirmed history and answer what they add (see the module docstring)."""
    known = tables.ecb_confirmed_until
    overlap = [row for row in rows if row.effective <= known]
    for row in overlap:
        if ecb_rate_on(tables, row.effective) != row.rate:
            table_rate = ecb_rate_on(tables, row.effective)
            reason = f"it gives {row.rate} % from {row.effective.isoformat()}, the table {table_rate} %"
            raise _refuse("ECB Data Portal", reason)
    feed_days = {row.effective for row in rows}
    first = rows[0].effective
    missing = [c for c in tables.ecb_changes if first <= c.effective <= known and c.effective not in feed_days]
    if missing:
        raise _refuse("ECB Data Portal", f"it lacks the change of {missing[0].effective.isoformat()}")
    confirmed = max(rows[-1].effective, fetched_on)  # an announced change: the history is known up to it
    changes = tuple(EcbRateChange(r.effective, r.rate, source) for r in rows if r.effective > known)
    after = tables
    for change in changes:
        after = with_added_rate(after, change)
    after = with_added_rate(after, after.ecb_changes[-1], confirmed_until=max(confirmed, known))
    return EcbPlan(changes, after.ecb_confirmed_until, _new_half_years(tables, after))


def _new_half_years(before: RateTables, after: RateTables) -> tuple[tuple[HalfYear, Decimal], ...]:
    """The half-years whose reference date (1 January, 1 July) ``after`` covers and ``before`` did not."""
    half = HalfYear.of(before.ecb_confirmed_until)
    if half.start <= before.ecb_confirmed_until:
        half = half.next()
    found: list[tuple[HalfYear, Decimal]] = []
    while half.start <= after.ecb_confirmed_until:
        found.append((half, ecb_rate_on(after, half.start) + L441_10_MARGIN))
        half = half.next()
    return tuple(found)


def parse_webstat_json(text: str, particuliers_key: str, autres_cas_key: str) -> tuple[LegalObservation, ...]:
    """The half-years of a Webstat JSON export holding the two taux légal series; raises
    ``RateSourceFailed`` on anything but whole half-years with both columns."""
    source = "Banque de France Webstat"
    try:
        records = json.loads(text)
    except ValueError:
        raise _refuse(source, "the answer is not JSON") from None
    if isinstance(records, Mapping) and isinstance(records.get("results"), list):
        records = records["results"]  # the paged ``records`` endpoint wraps them
    if not isinstance(records, list) or not records:
        raise _refuse(source, "the answer holds no observation")
    columns: dict[str, dict[HalfYear, Decimal]] = {particuliers_key: {}, autres_cas_key: {}}
    for number, record in enumerate(records, start=1):
        key, half, value = _legal_record(source, f"record {number}", record)
        if key not in columns:
            raise _refuse(source, f"record {number}: series {key!r} is neither configured taux légal series")
        if half in columns[key]:
            raise _refuse(source, f"record {number}: {half.label} appears twice for {key}")
        columns[key][half] = value
    a, b = columns[particuliers_key], columns[autres_cas_key]
    if set(a) != set(b):
        lone = sorted(set(a) ^ set(b))[0]
        raise _refuse(source, f"{lone.label} is given for one column only")
    return tuple(LegalObservation(half, a[half], b[half]) for half in sorted(a))


def _legal_record(source: str, where: str, record: Any) -> tuple[str, HalfYear, Decimal]:
    if not isinstance(record, Mapping):
        raise _refuse(source, f"{where} is not an object")
    start = _day(source, where, record.get("time_period_start"))
    end = _day(source, where, record.get("time_period_end"))
    half = HalfYear.of(start)
    if (start, end) != (half.start, half.end) or half.year < FIRST_HALF_YEAR_RATE:
        period = f"{start.isoformat()}..{end.isoformat()}"
        raise _refuse(source, f"{where}: {period} is not a calendar half-year from 2015 (C. mon. fin. L313-2)")
    value = _percent(source, where, str(record.get("obs_value", "")), _LEGAL_MAX, 2)
    return str(record.get("series_key", "")), half, value


def plan_legal(tables: RateTables, rows: Iterable[LegalObservation], source: str) -> tuple[LegalRate, ...]:
    """The half-years ``rows`` add; a half-year the table knows must carry the same figures."""
    known = {rate.label: rate for rate in tables.legal_rates}
    added: list[LegalRate] = []
    for row in rows:
        label = row.half_year.label
        rate = LegalRate(row.half_year.year, row.half_year.half, row.particuliers, row.autres_cas, source)
        if label in known:
            table = known[label]
            if (table.particuliers, table.autres_cas) != (row.particuliers, row.autres_cas):
                reason = (
                    f"it gives {row.particuliers} % / {row.autres_cas} % for {label}, the table "
                    f"{table.particuliers} % / {table.autres_cas} %"
                )
                raise _refuse("Banque de France Webstat", reason)
            continue
        added.append(rate)
    return tuple(added)
