"""Back-pressure toward a provider: one provider account's calls are spaced by ``60 / NOTICE_PROVIDER_CALLS_PER_MINUTE``
seconds across every worker (``use_cases/delivery/rate_limit.py``), against the Merci Facteur twin.

The slots themselves are checked on SQLite and PostgreSQL with a fixed clock; then two real worker processes
(PostgreSQL) submit twelve registered letters at 120 calls a minute: the twin never sees more than two in one
second, and the twelve take at least five and a half seconds, where two unlimited workers take about one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from notice_service.adapters.system_clock import FixedClock
from notice_service.errors import ConfigurationError
from notice_service.observability.metrics import REGISTRY
from notice_service.services import Services
from notice_service.settings import load_settings
from notice_service.use_cases.delivery.rate_limit import take_call_slot
from tests.functional.conftest import Api
from tests.functional.delivery.providers import MERCI_FACTEUR, configure, tenant_of
from tests.functional.notices.test_formal_notice_flow import open_case
from tests.twins.merci_facteur import MerciFacteurTwin

REPO = Path(__file__).resolve().parents[3]
LETTERS, PER_MINUTE = 12, 120


@pytest.fixture
def twin() -> Iterator[MerciFacteurTwin]:
    with MerciFacteurTwin().started() as started:  # on the real clock: the letters' seconds are measured
        yield started


def test_call_slots_are_spaced_and_shared(api: Api, services: Services, twin: MerciFacteurTwin) -> None:
    configure(api, MERCI_FACTEUR, twin)
    clock = services.clock
    assert isinstance(clock, FixedClock)
    services.settings = replace(services.settings, provider_calls_per_minute=60)  # the tests' services run without
    tenant_id = tenant_of(api)
    before = _throttled()
    assert take_call_slot(services, tenant_id, "merci_facteur") is None  # the first call goes
    assert _throttled() == before
    retry_at = take_call_slot(services, tenant_id, "merci_facteur")
    assert _throttled() == before + 1  # counted in /metrics (notice_provider_throttled_total)
    assert retry_at == clock.now() + timedelta(seconds=1)  # 60 a minute: the next slot is one second later
    assert take_call_slot(services, tenant_id, "merci_facteur") == retry_at  # asking again takes nothing
    clock.advance(timedelta(milliseconds=999))
    assert take_call_slot(services, tenant_id, "merci_facteur") == retry_at
    clock.advance(timedelta(milliseconds=1))
    assert take_call_slot(services, tenant_id, "merci_facteur") is None
    assert take_call_slot(services, tenant_id, "unknown_provider") is None  # no account: its own error elsewhere
    services.settings = replace(services.settings, provider_calls_per_minute=0)
    assert take_call_slot(services, tenant_id, "merci_facteur") is None  # 0: no limit
    assert take_call_slot(services, tenant_id, "merci_facteur") is None


def _throttled() -> float:
    return REGISTRY.get_sample_value("notice_provider_throttled_total", {"provider": "merci_facteur"}) or 0.0


@pytest.mark.parametrize("value", ["-1", "60001", "many", "1.5"])
def test_a_bad_rate_setting_is_refused_by_name(value: str) -> None:
    with pytest.raises(ConfigurationError, match="NOTICE_PROVIDER_CALLS_PER_MINUTE"):
        load_settings({"NOTICE_PROVIDER_CALLS_PER_MINUTE": value})


def _worker(services: Services, name: str) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "NOTICE_FAULT_POINT"},
        "PYTHONPATH": str(REPO),
        "NOTICE_DATA_DIR": str(services.settings.data_dir),
        "NOTICE_DATABASE_URL": services.settings.resolved_database_url,
        "NOTICE_PROVIDER_CALLS_PER_MINUTE": str(PER_MINUTE),
        "NOTICE_WORKER_POLL_MS": "50",
        "NOTICE_LOG_LEVEL": "WARNING",
    }
    with (services.settings.data_dir / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "notice_service.cli", "worker"], cwd=REPO, env=env, stdout=log, stderr=log
        )


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # two processes share one PostgreSQL
def test_two_workers_stay_under_the_accounts_rate(
    api: Api,
    services: Services,
    twin: MerciFacteurTwin,
    database_url: str,
) -> None:
    configure(api, MERCI_FACTEUR, twin)
    ids = open_case(api)
    notice = api.post(
        f"/v1/cases/{ids['case_id']}/notices", {"kind": "formal_notice", "as_of": "2026-06-30", "issue": True}
    )
    assert notice.status_code == 201, notice.json
    for _ in range(LETTERS):  # twelve registered letters of one notice: twelve calls to the one account
        queued = api.post(
            f"/v1/notices/{notice.json['id']}/deliveries", {"channel": "registered_letter", "provider": "merci_facteur"}
        )
        assert queued.status_code in (201, 202), queued.json
    workers = [_worker(services, f"worker-{n}") for n in range(2)]
    try:
        deadline = time.monotonic() + 180
        while twin.received() < LETTERS:
            assert time.monotonic() < deadline, f"{twin.received()} of {LETTERS} letters after 180 s"
            assert all(w.poll() is None for w in workers), "a worker exited"
            time.sleep(0.1)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(30)
    seconds = [letter.sent_at for letter in twin.letters]
    assert len(seconds) == LETTERS
    per_second = Counter(seconds)
    assert max(per_second.values()) <= PER_MINUTE // 60, per_second  # slots 0.5 s apart: ≤ 2 in any one second
    assert max(seconds) - min(seconds) >= (LETTERS - 1) * 60 / PER_MINUTE - 1  # 5.5 s, less the clock's rounding
