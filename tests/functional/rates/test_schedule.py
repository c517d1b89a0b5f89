"""The worker's rate schedule and the missing-rate warnings (``missing_rate_warnings``, logged, and for
``GET /v1/tenant``'s ``rate_warnings``)."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import pytest

from notice_service.adapters.system_clock import FixedClock
from notice_service.bootstrap import build_services
from notice_service.errors import ConfigurationError
from notice_service.services import Services
from notice_service.settings import Settings, load_settings
from notice_service.use_cases.official_rates import current_rate_tables
from notice_service.use_cases.rate_sync import WARNING_DAYS, ScheduledRateSync, missing_rate_warnings
from tests.functional.rates.replay import ECB_SAMPLE, ReplayServer, replay
from tests.functional.rates.test_sync import TODAY, rate_services, state

__all__ = ["rate_services", "replay"]


def test_the_schedule_is_off_by_default_and_still_warns(
    tmp_path: Path, database_url: str, replay: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert load_settings({}).rates_ecb_url is None
    services = build_services(Settings(data_dir=tmp_path, database_url=database_url), clock=FixedClock(TODAY))
    with caplog.at_level(logging.WARNING):
        assert ScheduledRateSync(services).run_if_due() == 0
    assert replay.requests == []
    assert "2026-S2" in caplog.text and "rates sync" in caplog.text
    services.db.engine.dispose()


def test_the_schedule_syncs_once_a_period(rate_services: Services, replay: ReplayServer) -> None:
    schedule = ScheduledRateSync(rate_services)
    assert schedule.run_if_due() == 2
    assert schedule.run_if_due() == 0 and len(replay.requests) == 2  # not due again: no request
    assert isinstance(rate_services.clock, FixedClock)
    rate_services.clock.advance(timedelta(hours=rate_services.settings.rates_sync_hours))
    schedule.run_if_due()
    assert len(replay.requests) == 4
    # 2026-S2 is now known; 2027-S1 starts within the warning window and is not published yet
    assert {w["half_year"] for w in missing_rate_warnings(rate_services, TODAY.date())} == {"2027-S1"}


def test_a_failed_scheduled_sync_is_logged_and_retried_within_the_hour(
    rate_services: Services, replay: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    replay.routes["/ecb"] = (503, b"down")
    before = state(rate_services)
    schedule = ScheduledRateSync(rate_services)
    with caplog.at_level(logging.WARNING):
        assert schedule.run_if_due() == 0
    assert "scheduled rates sync failed" in caplog.text and state(rate_services) == before
    replay.routes["/ecb"] = (200, ECB_SAMPLE.encode())  # back up
    assert isinstance(rate_services.clock, FixedClock)
    rate_services.clock.advance(timedelta(hours=1))
    assert schedule.run_if_due() == 2


def test_warnings_name_the_half_year_about_to_start(tmp_path: Path, database_url: str) -> None:
    services = build_services(Settings(data_dir=tmp_path, database_url=database_url), clock=FixedClock(TODAY))
    tables = current_rate_tables(services)
    inside = date(2026, 6, 30) - timedelta(days=WARNING_DAYS - 1)  # S2 starts within the warning window
    early = date(2026, 6, 30) - timedelta(days=WARNING_DAYS + 1)
    assert tables.ecb_confirmed_until < inside
    assert missing_rate_warnings(services, early) == []
    found = missing_rate_warnings(services, inside)
    assert [(w["kind"], w["half_year"]) for w in found] == [("ecb", "2026-S2"), ("legal", "2026-S2")]
    assert all("notice-service rates sync" in w["message"] for w in found)
    services.db.engine.dispose()


def test_settings_refuse_a_legal_source_without_its_two_series() -> None:
    with pytest.raises(ConfigurationError, match="NOTICE_RATES_LEGAL_SERIES"):
        load_settings({"NOTICE_RATES_LEGAL_URL": "http://127.0.0.1/x", "NOTICE_RATES_LEGAL_SERIES": "A"})
    with pytest.raises(ConfigurationError, match="NOTICE_RATES_SYNC_HOURS"):
        load_settings({"NOTICE_RATES_SYNC_HOURS": "0"})
