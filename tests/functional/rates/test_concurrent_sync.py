"""Two ``rates sync`` runs at once (issue 12 gap, item 7): each rate is recorded and audited once.

The two runs are threads of the same service, against the replay server. To make the race certain rather than
likely, each run's ``INSERT INTO rate_additions`` waits (up to ``RENDEZVOUS`` seconds) until the other run has
reached its own: without serialisation both runs, having read the same known rates, meet there and both record
(the bug); with the advisory lock (PostgreSQL) or ``BEGIN IMMEDIATE`` (SQLite) the second run is still waiting
for the lock, the first gives up waiting, commits, and the second then reads its rows and records nothing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.rates import RateAddition
from notice_service.services import Services
from notice_service.use_cases.rate_sync import SyncReport, sources_from_settings, sync_rates
from tests.functional.rates.test_sync import rate_services, replay

__all__ = ["rate_services", "replay"]
RENDEZVOUS = 3.0


@pytest.fixture
def insert_rendezvous(rate_services: Services) -> Iterator[threading.Barrier]:
    """A barrier each thread's first insert of a rate waits at (a broken or timed-out barrier lets it go)."""
    barrier = threading.Barrier(2, timeout=RENDEZVOUS)
    waited: set[int] = set()

    def wait_for_the_other(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO RATE_ADDITIONS") and threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    engine = rate_services.db.engine
    event.listen(engine, "before_cursor_execute", wait_for_the_other)
    yield barrier
    event.remove(engine, "before_cursor_execute", wait_for_the_other)


def _run_two(services: Services) -> list[SyncReport | BaseException]:
    results: list[SyncReport | BaseException] = []
    start = threading.Barrier(2)

    def one() -> None:
        start.wait()
        try:
            results.append(sync_rates(services, sources_from_settings(services)))
        except BaseException as exc:  # reported to the test below, never swallowed
            results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_syncs_at_once_record_and_audit_each_rate_once(
    rate_services: Services, insert_rendezvous: threading.Barrier
) -> None:
    results = _run_two(rate_services)
    assert len(results) == 2 and all(isinstance(r, SyncReport) for r in results), results
    reports = [r for r in results if isinstance(r, SyncReport)]
    assert sorted(r.recorded for r in reports) == [0, 2]  # one run records both rates, the other finds them known
    with rate_services.db.reading() as session:
        rows = list(session.execute(select(RateAddition.kind, RateAddition.half_year)).all())
        audited = session.execute(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "rate:added")
        ).scalar_one()
    assert sorted((kind, half or "") for kind, half in rows) == [("ecb", ""), ("legal", "2026-S2")]
    assert audited == 2  # one tenant: one record per rate
