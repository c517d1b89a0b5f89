"""Reading and checking the official rate feeds (domain/rate_feeds.py); the replayed answers themselves are
tested end to end in tests/functional/rates/."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from notice_service.domain.rate_feeds import (
    ECB_MRO_SERIES,
    ECB_MRO_URL,
    EcbObservation,
    LegalObservation,
    parse_ecb_csv,
    parse_webstat_json,
    plan_ecb,
    plan_legal,
)
from notice_service.domain.rates import HalfYear
from notice_service.errors import RateSourceFailed
from notice_service.rate_data import load_rate_tables

TABLES = load_rate_tables()
KNOWN = [EcbObservation(c.effective, c.rate) for c in TABLES.ecb_changes if c.effective >= date(2008, 10, 15)]


def csv_of(*rows: tuple[str, str, str]) -> str:
    return "KEY,FREQ,TIME_PERIOD,OBS_VALUE\n" + "".join(f"{k},B,{d},{v}\n" for k, d, v in rows)


def test_the_url_asks_the_series_in_sdmx_csv() -> None:
    assert ECB_MRO_URL.endswith("/FM/B.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata")


def test_parse_ecb_csv_reads_dates_and_rates_with_a_bom() -> None:
    rows = parse_ecb_csv("\ufeff" + csv_of((ECB_MRO_SERIES, "2025-06-11", "2.15")))
    assert rows == (EcbObservation(date(2025, 6, 11), Decimal("2.15")),)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a,b\n1,2\n",
        csv_of(),
        csv_of((ECB_MRO_SERIES, "2025-06-11", "2.1555")),
        csv_of((ECB_MRO_SERIES, "2025-06-11", "25")),
        csv_of((ECB_MRO_SERIES, "2025-06-11", "NaN")),
        csv_of((ECB_MRO_SERIES, "11/06/2025", "2.15")),
        csv_of((ECB_MRO_SERIES, "2025-06-11", "2.15"), (ECB_MRO_SERIES, "2025-06-11", "2.15")),
        'KEY,FREQ,TIME_PERIOD,OBS_VALUE\n"FM.B,B,2025-06-11,2.15\n',
    ],
)
def test_parse_ecb_csv_refuses(text: str) -> None:
    with pytest.raises(RateSourceFailed):
        parse_ecb_csv(text)


def test_plan_ecb_confirms_to_the_fetch_day_and_gives_each_new_half_year_its_rate() -> None:
    plan = plan_ecb(TABLES, KNOWN, date(2027, 2, 1), "src")
    assert plan.changes == () and plan.confirmed_until == date(2027, 2, 1)
    assert plan.half_year_rates == ((HalfYear(2026, 2), Decimal("12.15")), (HalfYear(2027, 1), Decimal("12.15")))


def test_plan_ecb_takes_an_announced_change_and_applies_the_half_year_rule() -> None:
    rows = [*KNOWN, EcbObservation(date(2026, 7, 8), Decimal("2.40"))]
    plan = plan_ecb(TABLES, rows, date(2026, 7, 2), "src")
    assert plan.confirmed_until == date(2026, 7, 8)  # announced, effective after the fetch
    assert [c.effective for c in plan.changes] == [date(2026, 7, 8)] and plan.changes[0].source == "src"
    assert plan.half_year_rates == ((HalfYear(2026, 2), Decimal("12.15")),)  # 1 July: still 2.15 %


def test_plan_ecb_refuses_a_feed_that_contradicts_or_lacks_the_history() -> None:
    with pytest.raises(RateSourceFailed, match="the table"):
        plan_ecb(TABLES, [*KNOWN[:-1], EcbObservation(KNOWN[-1].effective, Decimal("2.5"))], date(2026, 12, 1), "s")
    with pytest.raises(RateSourceFailed, match="lacks"):
        plan_ecb(TABLES, [*KNOWN[:-2], KNOWN[-1]], date(2026, 12, 1), "s")


def record(key: str, start: str, end: str, value: object) -> dict[str, object]:
    return {"series_key": key, "time_period_start": start, "time_period_end": end, "obs_value": value}


def test_parse_webstat_json_pairs_the_two_columns() -> None:
    records = [record("A", "2026-07-01", "2026-12-31", 6.41), record("B", "2026-07-01", "2026-12-31", "2.55")]
    assert parse_webstat_json(json.dumps({"results": records}), "A", "B") == (
        LegalObservation(HalfYear(2026, 2), Decimal("6.41"), Decimal("2.55")),
    )


@pytest.mark.parametrize(
    "records",
    [
        "nope",
        [],
        ["x"],
        [record("A", "2026-07-01", "2026-12-31", 6.41)],
        [record("A", "2026-07-01", "2026-12-31", 6.41), record("C", "2026-07-01", "2026-12-31", 2.5)],
        [record("A", "2026-07-01", "2026-12-31", 6.41)] * 2,
        [record("A", "2026-07-01", "2026-09-30", 6.41), record("B", "2026-07-01", "2026-09-30", 2.5)],
        [record("A", "2026-07-01", "2026-12-31", -1), record("B", "2026-07-01", "2026-12-31", 2.5)],
        [record("A", "2026-07-01", None, 6.41), record("B", "2026-07-01", "2026-12-31", 2.5)],
    ],
)
def test_parse_webstat_json_refuses(records: object) -> None:
    text = records if isinstance(records, str) else json.dumps(records)
    with pytest.raises(RateSourceFailed):
        parse_webstat_json(text, "A", "B")


def test_plan_legal_adds_new_half_years_and_refuses_a_contradiction() -> None:
    known = LegalObservation(HalfYear(2026, 1), Decimal("6.67"), Decimal("2.62"))
    new = LegalObservation(HalfYear(2026, 2), Decimal("6.41"), Decimal("2.55"))
    assert [r.label for r in plan_legal(TABLES, [known, new], "src")] == ["2026-S2"]
    with pytest.raises(RateSourceFailed, match="2026-S1"):
        plan_legal(TABLES, [LegalObservation(HalfYear(2026, 1), Decimal("6.67"), Decimal("2.60"))], "src")
