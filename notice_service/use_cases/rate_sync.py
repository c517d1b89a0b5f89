"""``notice-service rates sync``: fetch the official rate feeds, check every value, record the additions.

Load (the tables in force) → slow I/O (both feeds fetched, outside any transaction) → compute (the domain
reads and checks each answer, ``domain/rate_feeds.py``) → one transaction: every addition goes through the
``rates add`` path (``official_rates.add_rates``: a ``rate_additions`` row with its source, a ``rate:added``
record in every tenant's log). A source that cannot be read or fails a check raises ``RateSourceFailed``
before anything is recorded; when both are configured, both must pass (all or nothing).

``missing_rate_warnings`` tells which rate the service will soon need and lacks: the half-year that starts
within ``WARNING_DAYS`` (or has started) without its ECB reference rate or taux légal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from notice_service.domain import rate_feeds
from notice_service.domain.rates import HalfYear, LegalRate, RateTables
from notice_service.errors import ConfigurationError, NoticeError
from notice_service.ports import RateFeed
from notice_service.services import Services
from notice_service.use_cases.official_rates import RateInput, add_rates, current_rate_tables

log = logging.getLogger(__name__)
#: How far ahead a missing rate is announced: the next half-year's rates are published in late June and
#: late December (arrêté; the ECB rate in force on the 1st), so a month ahead warns in time.
WARNING_DAYS = 31


@dataclass(frozen=True)
class SyncSources:
    """Where the sync reads; ``legal_url`` is optional (then only the ECB history is synced)."""

    ecb_url: str = rate_feeds.ECB_MRO_URL
    legal_url: str | None = None
    legal_series: tuple[str, ...] = ()
    legal_api_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SyncReport:
    """What a sync added: the ECB changes, the date the ECB history is confirmed to, each newly covered
    half-year's L441-10 rate, and the taux légal half-years."""

    ecb_changes: tuple[tuple[date, Decimal], ...]
    ecb_confirmed_until: date
    penalty_rates: tuple[tuple[str, Decimal], ...]
    legal_rates: tuple[LegalRate, ...]
    recorded: int


def sources_from_settings(services: Services) -> SyncSources:
    """The configured sources; the ECB URL defaults to the ECB Data Portal's."""
    settings = services.settings
    return SyncSources(
        ecb_url=settings.rates_ecb_url or rate_feeds.ECB_MRO_URL,
        legal_url=settings.rates_legal_url,
        legal_series=settings.rates_legal_series,
        legal_api_key=settings.rates_legal_api_key,
    )


def _source(name: str, url: str, day: date) -> str:
    """The ``source`` recorded with each addition (at most 500 characters, the column's width)."""
    return f"{name}, {url}, fetched {day.isoformat()}"[:500]


def _feed(services: Services) -> RateFeed:
    """The rate feed (bootstrap always builds one)."""
    if services.rate_feed is None:
        raise ConfigurationError("no rate feed is configured")
    return services.rate_feed


def _legal_rows(services: Services, sources: SyncSources) -> tuple[rate_feeds.LegalObservation, ...]:
    if sources.legal_url is None:
        return ()
    if len(sources.legal_series) != 2:
        raise ConfigurationError("NOTICE_RATES_LEGAL_SERIES needs two series keys (particuliers,autres cas)")
    headers = {"authorization": f"Apikey {sources.legal_api_key}"} if sources.legal_api_key else {}
    text = _feed(services).fetch(sources.legal_url, headers)
    return rate_feeds.parse_webstat_json(text, *sources.legal_series)


def sync_rates(services: Services, sources: SyncSources, *, operator: str = "rates-sync") -> SyncReport:
    """Fetch, check and record (see the module docstring); answers what was added."""
    today = services.clock.now().date()
    ecb_rows = rate_feeds.parse_ecb_csv(_feed(services).fetch(sources.ecb_url))
    legal_rows = _legal_rows(services, sources)
    tables = current_rate_tables(services)
    ecb = rate_feeds.plan_ecb(tables, ecb_rows, today, _source("ECB Data Portal", sources.ecb_url, today))
    legal_source = _source("Banque de France Webstat", sources.legal_url or "", today)
    legal = rate_feeds.plan_legal(tables, legal_rows, legal_source)
    inputs = [RateInput("ecb", c.source, effective=c.effective, rate=c.rate) for c in ecb.changes]
    if ecb.confirmed_until > tables.ecb_confirmed_until:
        last = ecb.changes[-1] if ecb.changes else tables.ecb_changes[-1]
        confirm = _source("ECB Data Portal", sources.ecb_url, today)
        inputs.append(
            RateInput("ecb", confirm, effective=last.effective, rate=last.rate, confirmed_until=ecb.confirmed_until)
        )
    inputs += [
        RateInput("legal", r.source, half_year=r.label, particuliers=r.particuliers, autres_cas=r.autres_cas)
        for r in legal
    ]
    added = add_rates(services, inputs, operator=operator)
    return SyncReport(
        ecb_changes=tuple((c.effective, c.rate) for c in ecb.changes),
        ecb_confirmed_until=ecb.confirmed_until,
        penalty_rates=tuple((half.label, rate) for half, rate in ecb.half_year_rates),
        legal_rates=legal,
        recorded=added.recorded,
    )


def _missing(tables: RateTables, half: HalfYear) -> list[dict[str, str]]:
    """The rates ``half`` needs that ``tables`` lack, each with the command that adds it."""
    found = []
    if half.start > tables.ecb_confirmed_until:
        found.append({"kind": "ecb", "command": "notice-service rates sync"})
    if not any(rate.covers(half) for rate in tables.legal_rates):
        found.append({"kind": "legal", "command": "notice-service rates sync"})
    return [
        {
            **item,
            "half_year": half.label,
            "message": f"The {'ECB reference rate' if item['kind'] == 'ecb' else 'taux légal'} for {half.label} "
            f"(from {half.start.isoformat()}) is not in the rate tables: run `notice-service rates sync` or "
            "`notice-service rates add`; until then a décompte reaching it is refused.",
        }
        for item in found
    ]


def missing_rate_warnings(services: Services, today: date) -> list[dict[str, str]]:
    """The rates needed from ``today`` to ``WARNING_DAYS`` ahead that the tables lack (``kind``,
    ``half_year``, ``message``, ``command``), each also logged as a warning. For ``GET /v1/tenant``'s
    ``rate_warnings``."""
    tables = current_rate_tables(services)
    halves = {HalfYear.of(today), HalfYear.of(today + timedelta(days=WARNING_DAYS))}
    warnings = [item for half in sorted(halves) for item in _missing(tables, half)]
    for item in warnings:
        log.warning("rate missing: %s", item["message"])
    return warnings


class ScheduledRateSync:
    """The worker's rate schedule: every ``NOTICE_RATES_SYNC_HOURS`` (24 by default) it logs the missing rates
    and, when ``NOTICE_RATES_ECB_URL`` is set (off by default), runs the sync first. A failed sync is logged and
    tried again an hour later (or at the next period when it is shorter); it never stops the worker."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._next: datetime | None = None

    def run_if_due(self) -> int:
        """Sync and warn when due; answers how many additions were recorded."""
        services = self._services
        now = services.clock.now()
        if self._next is not None and now < self._next:
            return 0
        period = timedelta(hours=services.settings.rates_sync_hours)
        self._next = now + period
        recorded = 0
        if services.settings.rates_ecb_url:
            try:
                recorded = sync_rates(services, sources_from_settings(services)).recorded
            except NoticeError as error:
                log.warning("scheduled rates sync failed: %s", error.detail)
                self._next = now + min(period, timedelta(hours=1))
        missing_rate_warnings(services, now.date())
        return recorded
