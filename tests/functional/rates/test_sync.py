"""``rates sync`` against a local server replaying the ECB Data Portal and Banque de France Webstat answers.

The clock is fixed on 1 December 2026, after the shipped tables (ECB checked to 5 February 2026, taux légal
to 2026-S1). Each bad answer must raise ``RateSourceFailed`` and leave the tables, the ``rate_additions``
rows and every audit log exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.cli import main
from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.rates import RateAddition
from notice_service.domain.rates import L441_10_MARGIN, HalfYear, ecb_rate_on, l441_10_rate, legal_rate
from notice_service.errors import RateSourceFailed, RateUnknown
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.official_rates import current_rate_tables
from notice_service.use_cases.rate_sync import SyncSources, sources_from_settings, sync_rates
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.functional.conftest import CREDITOR_PROFILE
from tests.functional.rates.replay import ECB_SAMPLE, LEGAL_SERIES, WEBSTAT_SAMPLE, ReplayServer, replay

__all__ = ["replay"]
TODAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
S2_2026 = HalfYear(2026, 2)


def sync_settings(data_dir: Path, database_url: str, server: ReplayServer) -> Settings:
    """Settings pointing both sources at the replay server."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        rates_ecb_url=f"{server.url}/ecb",
        rates_legal_url=f"{server.url}/webstat",
        rates_legal_series=LEGAL_SERIES,
        rates_legal_api_key="test-key",
    )


@pytest.fixture
def rate_services(tmp_path: Path, database_url: str, replay: ReplayServer) -> Iterator[Services]:
    """Services on 1 December 2026 with one tenant (whose log records each addition)."""
    built = build_services(sync_settings(tmp_path, database_url, replay), clock=FixedClock(TODAY))
    create_tenant(built, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    yield built
    built.db.engine.dispose()


def state(services: Services) -> tuple[object, ...]:
    """Everything a sync may change: the tables in force, the rows added, the audit records."""
    with services.db.reading() as session:
        rows = session.execute(select(func.count()).select_from(RateAddition)).scalar_one()
        records = session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
    return current_rate_tables(services), rows, records


def sample_s2_2026() -> dict[str, Decimal]:
    """The sample's 2026-S2 figures per series (read from the saved answer, not typed again)."""
    return {
        r["series_key"]: Decimal(str(r["obs_value"]))
        for r in json.loads(WEBSTAT_SAMPLE)
        if r["time_period_start"] == "2026-07-01"
    }


def last_ecb_rate() -> Decimal:
    """The rate of the sample's last ECB row."""
    return Decimal(ECB_SAMPLE.strip().splitlines()[-1].split(",")[9])


def test_a_decompte_reaching_2026_s2_is_refused_before_the_sync(rate_services: Services) -> None:
    tables = current_rate_tables(rate_services)
    with pytest.raises(RateUnknown) as ecb:
        l441_10_rate(tables, S2_2026)
    with pytest.raises(RateUnknown) as legal:
        legal_rate(tables, S2_2026)
    assert ecb.value.extra["half_year"] == legal.value.extra["half_year"] == "2026-S2"


def test_sync_adds_the_missing_half_years_with_their_sources(rate_services: Services, replay: ReplayServer) -> None:
    before = state(rate_services)
    report = sync_rates(rate_services, sources_from_settings(rate_services))
    tables = current_rate_tables(rate_services)
    assert tables.ecb_confirmed_until == TODAY.date() == report.ecb_confirmed_until
    assert report.penalty_rates == (("2026-S2", last_ecb_rate() + L441_10_MARGIN),)
    assert l441_10_rate(tables, S2_2026) == last_ecb_rate() + L441_10_MARGIN
    figures = sample_s2_2026()
    assert legal_rate(tables, S2_2026, creditor_is_professional=False) == figures[LEGAL_SERIES[0]]
    assert legal_rate(tables, S2_2026) == figures[LEGAL_SERIES[1]]
    assert [r.label for r in report.legal_rates] == ["2026-S2"]
    with rate_services.db.reading() as session:
        added = list(session.execute(select(RateAddition).order_by(RateAddition.id)).scalars())
        actions = list(session.execute(select(AuditRecord.action).where(AuditRecord.action == "rate:added")).scalars())
    assert [(a.kind, a.half_year) for a in added] == [("ecb", None), ("legal", "2026-S2")]
    assert all(f"{replay.url}/" in a.source and "fetched 2026-12-01" in a.source for a in added)
    assert added[0].confirmed_until == TODAY.date()
    assert len(actions) == report.recorded == 2
    assert state(rate_services)[1:] == (before[1] + 2, before[2] + 2)
    assert replay.requests[-1]["authorization"] == "Apikey test-key"


def test_a_second_sync_records_nothing(rate_services: Services) -> None:
    sync_rates(rate_services, sources_from_settings(rate_services))
    after_first = state(rate_services)
    report = sync_rates(rate_services, sources_from_settings(rate_services))
    assert report.recorded == 0
    assert state(rate_services) == after_first


def test_a_change_inside_a_half_year_does_not_move_its_penalty_rate(
    rate_services: Services, replay: ReplayServer
) -> None:
    fixture_row = ECB_SAMPLE.strip().splitlines()[-1].replace("2025-06-11,2.15", "2026-09-17,2.40")  # fixture
    replay.routes["/ecb"] = (200, (ECB_SAMPLE + fixture_row + "\n").encode())
    report = sync_rates(rate_services, sources_from_settings(rate_services))
    tables = current_rate_tables(rate_services)
    assert report.ecb_changes == ((date(2026, 9, 17), Decimal("2.40")),)
    assert ecb_rate_on(tables, date(2026, 10, 1)) == Decimal("2.40")
    assert l441_10_rate(tables, S2_2026) == ecb_rate_on(tables, date(2026, 7, 1)) + L441_10_MARGIN


def _ecb_lines(edit: Callable[[list[str]], list[str]]) -> bytes:
    lines = ECB_SAMPLE.strip().splitlines()
    return ("\n".join(edit(lines)) + "\n").encode()


def _legal(edit: Callable[[list[dict[str, object]]], list[dict[str, object]]]) -> bytes:
    return json.dumps(edit(json.loads(WEBSTAT_SAMPLE))).encode()


BAD_ANSWERS: dict[str, tuple[str, int, bytes]] = {
    "ecb outage": ("/ecb", 503, b"Service Unavailable"),
    "ecb not found": ("/ecb", 404, b""),
    "ecb html page": ("/ecb", 200, b"<html><body>maintenance</body></html>"),
    "ecb empty": ("/ecb", 200, _ecb_lines(lambda lines: lines[:1])),
    "ecb other series": ("/ecb", 200, _ecb_lines(lambda ls: [ls[0], ls[1].replace("MRR_FR.LEV,", "DFR.LEV,", 1)])),
    "ecb value not a number": ("/ecb", 200, _ecb_lines(lambda ls: [*ls[:-1], ls[-1].replace(",2.15,", ",n/a,")])),
    "ecb negative": ("/ecb", 200, _ecb_lines(lambda ls: [*ls[:-1], ls[-1].replace(",2.15,", ",-0.10,")])),
    "ecb bad date": ("/ecb", 200, _ecb_lines(lambda ls: [*ls[:-1], ls[-1].replace("2025-06-11", "2025-13-11")])),
    "ecb dates out of order": ("/ecb", 200, _ecb_lines(lambda ls: [ls[0], *reversed(ls[1:])])),
    "ecb contradicts history": ("/ecb", 200, _ecb_lines(lambda ls: [*ls[:-1], ls[-1].replace(",2.15,", ",2.25,")])),
    "ecb lacks a known change": ("/ecb", 200, _ecb_lines(lambda ls: [*ls[:-2], ls[-1]])),
    "ecb not utf-8": ("/ecb", 200, "KEY,TIME_PERIOD,OBS_VALUE\nFM é".encode("latin-1")),
    "webstat outage": ("/webstat", 500, b"{}"),
    "webstat not json": ("/webstat", 200, b"<html>"),
    "webstat empty": ("/webstat", 200, b"[]"),
    "webstat quarter": ("/webstat", 200, _legal(lambda rs: [{**r, "time_period_end": "2026-09-30"} for r in rs])),
    "webstat one column": ("/webstat", 200, _legal(lambda rs: rs[:-1])),
    "webstat other series": ("/webstat", 200, _legal(lambda rs: [{**r, "series_key": "X"} for r in rs])),
    "webstat contradicts": ("/webstat", 200, _legal(lambda rs: [{**r, "obs_value": 9.99} for r in rs])),
    "webstat before 2015": (
        "/webstat",
        200,
        _legal(lambda rs: [{**r, "time_period_start": "2014-01-01", "time_period_end": "2014-06-30"} for r in rs]),
    ),
    "webstat three decimals": ("/webstat", 200, _legal(lambda rs: [{**r, "obs_value": 2.555} for r in rs[-2:]])),
    "webstat not records": ("/webstat", 200, b'{"error_code": "ODSQLError"}'),
}


@pytest.mark.parametrize("case", sorted(BAD_ANSWERS))
def test_a_bad_answer_records_nothing(rate_services: Services, replay: ReplayServer, case: str) -> None:
    path, status, body = BAD_ANSWERS[case]
    replay.routes[path] = (status, body)
    before = state(rate_services)
    with pytest.raises(RateSourceFailed) as refused:
        sync_rates(rate_services, sources_from_settings(rate_services))
    assert "nothing was recorded" in refused.value.detail.lower()
    assert "rates add" in refused.value.detail
    assert state(rate_services) == before


def test_an_unreachable_source_records_nothing(rate_services: Services) -> None:
    before = state(rate_services)
    with pytest.raises(RateSourceFailed) as refused:
        sync_rates(rate_services, SyncSources(ecb_url="http://127.0.0.1:9/ecb"))
    assert "could not be reached" in refused.value.detail
    assert state(rate_services) == before


def test_the_cli_reports_an_outage_and_exits_non_zero(
    rate_services: Services,
    replay: ReplayServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    replay.routes["/ecb"] = (503, b"down")
    monkeypatch.setenv("NOTICE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NOTICE_DATABASE_URL", rate_services.settings.resolved_database_url)
    before = state(rate_services)
    assert main(["rates", "sync", "--ecb-url", f"{replay.url}/ecb"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 503" in err and f"{replay.url}/ecb" in err
    assert state(rate_services) == before


def test_the_cli_syncs_and_prints_what_it_added(
    rate_services: Services,
    replay: ReplayServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NOTICE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NOTICE_DATABASE_URL", rate_services.settings.resolved_database_url)
    monkeypatch.setenv("NOTICE_RATES_LEGAL_SERIES", ",".join(LEGAL_SERIES))
    before = state(rate_services)
    command = ["rates", "sync", "--ecb-url", f"{replay.url}/ecb", "--legal-url", f"{replay.url}/webstat"]
    assert main(command) == 0  # the command's own (system) clock: only date-free lines are checked
    out = capsys.readouterr().out
    figures = sample_s2_2026()
    assert f"Taux légal added: 2026-S2 {figures[LEGAL_SERIES[0]]} % / {figures[LEGAL_SERIES[1]]} %" in out
    assert "ECB history confirmed up to" in out
    assert state(rate_services)[1] > before[1]
