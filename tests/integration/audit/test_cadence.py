"""The checkpoint time cadence: a log that receives nothing more still gets its unsigned records checkpointed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from notice_service.adapters.system_clock import FixedClock
from notice_service.services import Services
from notice_service.use_cases.audit.checkpoint import IdleLogCheckpointer, idle_logs
from notice_service.use_cases.audit.verify import verify_tenant_ledger
from notice_service.worker import pending_count, run_forever
from tests.integration.audit.ledger_setup import drain, ledger_services, new_tenant, register_debtors

EVERY_SECONDS = 600


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    built = ledger_services(tmp_path / "var", f"sqlite:///{tmp_path / 'n.db'}", None, 1000, EVERY_SECONDS)
    yield built
    built.db.engine.dispose()


def _clock(services: Services) -> FixedClock:
    assert isinstance(services.clock, FixedClock)
    return services.clock


def test_an_idle_log_is_checkpointed_once_its_oldest_unsigned_record_is_old_enough(services: Services) -> None:
    quiet, busy = new_tenant(services), new_tenant(services)
    drain(services)
    _clock(services).advance(timedelta(seconds=EVERY_SECONDS - 1))
    register_debtors(services, busy, 1)
    assert idle_logs(services) == []
    assert IdleLogCheckpointer(services).run_if_due() == 0
    _clock(services).advance(timedelta(seconds=1))
    assert sorted(idle_logs(services)) == sorted([quiet.tenant_id, busy.tenant_id]), "the oldest record counts"
    assert IdleLogCheckpointer(services).run_if_due() == 2
    assert idle_logs(services) == [], "only the anchor record is left unsigned"
    _clock(services).advance(timedelta(days=1))
    assert IdleLogCheckpointer(services).run_if_due() == 0, "an anchor alone is never re-signed"
    drain(services)
    for tenant in (quiet, busy):
        check = verify_tenant_ledger(services, tenant.tenant_id)
        assert check.failure is None, check.failure
        assert "checkpoints: 1 signatures" in "\n".join(check.lines)


def test_the_worker_loop_runs_the_time_cadence(services: Services) -> None:
    tenant = new_tenant(services)
    _clock(services).advance(timedelta(seconds=EVERY_SECONDS))
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(services, stop))
    worker.start()
    try:
        for _ in range(200):
            if pending_count(services) == 0 and not idle_logs(services) and _checkpointed(services, tenant.tenant_id):
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join()
    assert _checkpointed(services, tenant.tenant_id)


def _checkpointed(services: Services, tenant_id: str) -> bool:
    check = verify_tenant_ledger(services, tenant_id)
    return check.failure is None and "checkpoints: 1 signatures" in "\n".join(check.lines)
