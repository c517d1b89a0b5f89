"""Rate tables: shipped data, the semester rule (L441-10 II), the legal rate, the 3× floor, adding rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from notice_service.domain.rates import (
    EcbRateChange,
    HalfYear,
    LegalRate,
    RateTables,
    check_contractual_rate,
    contractual_rate_floor,
    ecb_rate_on,
    half_years_between,
    l441_10_rate,
    legal_rate,
    with_added_rate,
)
from notice_service.errors import InvalidInput, RateUnknown
from notice_service.rate_data import RateDataError, load_rate_tables, parse_rate_tables

TABLES = load_rate_tables()

# LEGAL.md Part B §3b, row by row: (half-year, ECB rate on the reference date, L441-10 default rate).
TABLE_3B = [
    ("2015-S1", "0.05", "10.05"),
    ("2015-S2", "0.05", "10.05"),
    ("2016-S1", "0.05", "10.05"),
    *[
        (f"{year}-S{half}", "0.00", "10.00")
        for year in range(2016, 2023)
        for half in (1, 2)
        if (year, half) != (2016, 1)
    ],
    ("2023-S1", "2.50", "12.50"),
    ("2023-S2", "4.00", "14.00"),
    ("2024-S1", "4.50", "14.50"),
    ("2024-S2", "4.25", "14.25"),
    ("2025-S1", "3.15", "13.15"),
    ("2025-S2", "2.15", "12.15"),
    ("2026-S1", "2.15", "12.15"),
]


@pytest.mark.parametrize(("label", "ecb", "penalty"), TABLE_3B)
def test_l441_10_rate_matches_legal_table_3b(label: str, ecb: str, penalty: str) -> None:
    half_year = HalfYear.parse(label)
    assert ecb_rate_on(TABLES, half_year.start) == Decimal(ecb)
    assert l441_10_rate(TABLES, half_year) == Decimal(penalty)


def test_table_3b_covers_every_half_year_from_2015_to_2026_s1() -> None:
    labels = [h.label for h in half_years_between(date(2015, 1, 1), date(2026, 6, 30))]
    assert labels == [row[0] for row in TABLE_3B]


def test_2026_s2_is_unknown_and_names_the_command() -> None:
    with pytest.raises(RateUnknown) as raised:
        l441_10_rate(TABLES, HalfYear(2026, 2))
    assert "2026-S2" in raised.value.detail
    assert "notice-service rates add --kind ecb" in raised.value.detail
    assert raised.value.extra["half_year"] == "2026-S2"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2008, 1, 1), "4.00"),
        (date(2008, 7, 8), "4.00"),
        (date(2008, 7, 9), "4.25"),
        (date(2016, 3, 15), "0.05"),
        (date(2016, 3, 16), "0.00"),
        (date(2022, 7, 1), "0.00"),
        (date(2022, 7, 27), "0.50"),
        (date(2025, 6, 11), "2.15"),
        (date(2026, 2, 5), "2.15"),
    ],
)
def test_ecb_rate_on_uses_effective_dates(day: date, expected: str) -> None:
    assert ecb_rate_on(TABLES, day) == Decimal(expected)


@pytest.mark.parametrize("day", [date(2007, 12, 31), date(2026, 2, 6), date(2026, 7, 1)])
def test_ecb_rate_outside_the_confirmed_history_is_unknown(day: date) -> None:
    with pytest.raises(RateUnknown) as raised:
        ecb_rate_on(TABLES, day)
    assert raised.value.extra["half_year"] == HalfYear.of(day).label


def test_penalties_before_the_2013_semester_rule_are_refused() -> None:
    with pytest.raises(RateUnknown) as raised:
        l441_10_rate(TABLES, HalfYear(2012, 2))
    assert "2012-S2" in raised.value.detail


@pytest.mark.parametrize(
    ("label", "professional", "expected"),
    [
        ("2015-S1", True, "0.93"),
        ("2015-S1", False, "4.06"),
        ("2022-S1", True, "0.76"),
        ("2023-S2", True, "4.22"),
        ("2024-S2", False, "8.16"),
        ("2026-S1", True, "2.62"),
        ("2026-S1", False, "6.67"),
        ("2014-S1", True, "0.04"),
        ("2012-S2", False, "0.71"),
        ("2008-S1", True, "3.99"),
    ],
)
def test_legal_rate_columns(label: str, professional: bool, expected: str) -> None:
    assert legal_rate(TABLES, HalfYear.parse(label), professional) == Decimal(expected)


def test_legal_rate_unknown_names_the_legal_command() -> None:
    with pytest.raises(RateUnknown) as raised:
        legal_rate(TABLES, HalfYear(2026, 2))
    assert "notice-service rates add --kind legal --half-year 2026-S2" in raised.value.detail
    assert raised.value.extra == {
        "half_year": "2026-S2",
        "kind": "legal",
        "command": raised.value.extra["command"],
        "sync_command": "notice-service rates sync",
    }
    assert "`notice-service rates sync`" in raised.value.detail and "last_confirmed" in raised.value.detail


@pytest.mark.parametrize(
    ("label", "floor"),
    [("2023-S2", "12.66"), ("2024-S2", "14.76"), ("2026-S1", "7.86"), ("2015-S1", "2.79")],
)
def test_contractual_rate_floor_is_three_times_column_b(label: str, floor: str) -> None:
    assert contractual_rate_floor(TABLES, HalfYear.parse(label)) == Decimal(floor)


@pytest.mark.parametrize(("rate", "accepted"), [("7.85", False), ("7.86", True), ("15", True)])
def test_check_contractual_rate_against_2026_s1_floor(rate: str, accepted: bool) -> None:
    if accepted:
        check_contractual_rate(TABLES, Decimal(rate), [HalfYear(2026, 1)])
        return
    with pytest.raises(InvalidInput) as raised:
        check_contractual_rate(TABLES, Decimal(rate), [HalfYear(2026, 1)])
    assert "7.86 %" in raised.value.detail
    assert "2026-S1" in raised.value.detail
    assert raised.value.errors[0].field == "contractual_rate"
    assert raised.value.extra["floor"] == "7.86"


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (date(2024, 1, 1), "2024-S1", date(2024, 1, 1), date(2024, 6, 30)),
        (date(2024, 6, 30), "2024-S1", date(2024, 1, 1), date(2024, 6, 30)),
        (date(2024, 7, 1), "2024-S2", date(2024, 7, 1), date(2024, 12, 31)),
        (date(2024, 12, 31), "2024-S2", date(2024, 7, 1), date(2024, 12, 31)),
    ],
)
def test_half_year_of_a_day(day: date, label: str, start: date, end: date) -> None:
    half_year = HalfYear.of(day)
    assert (half_year.label, half_year.start, half_year.end) == (label, start, end)
    assert HalfYear.parse(label) == half_year


@pytest.mark.parametrize("label", ["2026", "2026-S3", "26-S1", "2026-s1", "２０２６-S1", "2026-S12"])
def test_half_year_parse_rejects(label: str) -> None:
    with pytest.raises(ValueError, match="half-year"):
        HalfYear.parse(label)


def test_half_year_rejects_a_third_half() -> None:
    with pytest.raises(ValueError, match="half must be 1 or 2"):
        HalfYear(2026, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("first", "last", "labels"),
    [
        (date(2024, 6, 30), date(2024, 7, 1), ["2024-S1", "2024-S2"]),
        (date(2024, 12, 31), date(2025, 1, 1), ["2024-S2", "2025-S1"]),
        (date(2024, 3, 1), date(2024, 3, 1), ["2024-S1"]),
        (date(2024, 3, 2), date(2024, 3, 1), []),
    ],
)
def test_half_years_between(first: date, last: date, labels: list[str]) -> None:
    assert [h.label for h in half_years_between(first, last)] == labels


NEW_ECB = EcbRateChange(date(2026, 3, 25), Decimal("1.90"), "hypothetical test row")


def test_adding_an_ecb_rate_extends_the_confirmed_history() -> None:
    tables = with_added_rate(TABLES, NEW_ECB)
    assert tables.ecb_confirmed_until == date(2026, 3, 25)
    assert ecb_rate_on(tables, date(2026, 3, 25)) == Decimal("1.90")
    with pytest.raises(RateUnknown):
        l441_10_rate(tables, HalfYear(2026, 2))
    confirmed = with_added_rate(TABLES, NEW_ECB, confirmed_until=date(2026, 7, 1))
    assert l441_10_rate(confirmed, HalfYear(2026, 2)) == Decimal("11.90")
    assert TABLES.ecb_confirmed_until == date(2026, 2, 5)


def test_adding_the_same_ecb_rate_twice_is_idempotent() -> None:
    once = with_added_rate(TABLES, NEW_ECB)
    assert with_added_rate(once, NEW_ECB) == once


@pytest.mark.parametrize(
    ("change", "confirmed_until", "message"),
    [
        (EcbRateChange(date(2025, 6, 11), Decimal("2.00"), "x"), None, "already 2.15 %"),
        (EcbRateChange(date(2025, 7, 1), Decimal("2.00"), "x"), None, "would rewrite it"),
        (NEW_ECB, date(2026, 3, 1), "confirmed_until must not be before"),
    ],
)
def test_adding_an_ecb_rate_never_corrects(change: EcbRateChange, confirmed_until: date | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        with_added_rate(TABLES, change, confirmed_until=confirmed_until)


def test_adding_a_legal_rate() -> None:
    rate = LegalRate(2026, 2, Decimal("6.50"), Decimal("2.50"), "hypothetical arrêté")
    tables = with_added_rate(TABLES, rate)
    assert legal_rate(tables, HalfYear(2026, 2)) == Decimal("2.50")
    assert with_added_rate(tables, rate) == tables
    assert tables.legal_rates[-1] == rate


@pytest.mark.parametrize(
    "rate",
    [
        LegalRate(2026, 1, Decimal("6.67"), Decimal("2.63"), "x"),
        LegalRate(2014, 1, Decimal("0.04"), Decimal("0.04"), "x"),
        LegalRate(2015, None, Decimal("1"), Decimal("1"), "x"),
    ],
)
def test_adding_a_conflicting_legal_rate_is_refused(rate: LegalRate) -> None:
    with pytest.raises(InvalidInput, match="already known"):
        with_added_rate(TABLES, rate)


def test_rate_tables_reject_unsorted_or_duplicate_rows() -> None:
    change = EcbRateChange(date(2020, 1, 1), Decimal("0"), "x")
    with pytest.raises(ValueError, match="sorted"):
        RateTables((change, change), date(2020, 1, 1), ())
    legal = LegalRate(2020, 1, Decimal("1"), Decimal("1"), "x")
    with pytest.raises(ValueError, match="only once"):
        RateTables((), date(2020, 1, 1), (legal, legal))


def test_every_shipped_row_has_a_source() -> None:
    assert all(change.source for change in TABLES.ecb_changes)
    assert all(rate.source for rate in TABLES.legal_rates)
    assert [r.label for r in TABLES.legal_rates][:8] == [*map(str, range(2008, 2015)), "2015-S1"]


ECB_OK = "effective_date,rate_percent,source\n2020-01-01,1.00,src\n"
COVERAGE_OK = "table,confirmed_until,source\necb_mro,2020-12-31,src\n"
LEGAL_OK = "period,particuliers_percent,autres_cas_percent,source\n2020-S1,3.15,0.87,src\n2014,0.04,0.04,src\n"


def test_parse_rate_tables_accepts_well_formed_files() -> None:
    tables = parse_rate_tables(ecb_mro=ECB_OK, coverage=COVERAGE_OK, taux_legal=LEGAL_OK)
    assert tables.ecb_confirmed_until == date(2020, 12, 31)
    assert legal_rate(tables, HalfYear(2014, 2), False) == Decimal("0.04")


@pytest.mark.parametrize(
    ("ecb", "coverage", "legal", "message"),
    [
        ("date,rate,source\n", COVERAGE_OK, LEGAL_OK, "ecb_mro.csv: header"),
        ("effective_date,rate_percent,source\n2020-01-01,1.00,\n", COVERAGE_OK, LEGAL_OK, "source"),
        ("effective_date,rate_percent,source\n2020-01-01,1.00\n", COVERAGE_OK, LEGAL_OK, "line 2"),
        ("effective_date,rate_percent,source\n2020-01-01,1.00,a,b\n", COVERAGE_OK, LEGAL_OK, "line 2"),
        (
            "effective_date,rate_percent,source\n2020-13-01,1.00,s\n",
            COVERAGE_OK,
            LEGAL_OK,
            "not a YYYY-MM-DD",
        ),
        ("effective_date,rate_percent,source\n2020-01-01,abc,s\n", COVERAGE_OK, LEGAL_OK, "not a percentage"),
        ("effective_date,rate_percent,source\n2020-01-01,-1,s\n", COVERAGE_OK, LEGAL_OK, "not a percentage"),
        ("effective_date,rate_percent,source\n2020-01-01,NaN,s\n", COVERAGE_OK, LEGAL_OK, "not a percentage"),
        (ECB_OK + "2019-01-01,1.00,s\n", COVERAGE_OK, LEGAL_OK, "sorted"),
        (ECB_OK, "table,confirmed_until,source\n", LEGAL_OK, "exactly one row"),
        (ECB_OK, COVERAGE_OK, LEGAL_OK.replace("2014,0.04", "2014,0.05"), "single figure"),
        (ECB_OK, COVERAGE_OK, LEGAL_OK.replace("2020-S1", "2020-H1"), "not a half-year"),
    ],
)
def test_parse_rate_tables_names_the_problem(ecb: str, coverage: str, legal: str, message: str) -> None:
    with pytest.raises(RateDataError, match=message):
        parse_rate_tables(ecb_mro=ecb, coverage=coverage, taux_legal=legal)
