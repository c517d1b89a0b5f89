"""A worker process killed with SIGKILL in the middle of a run, then restarted, completes the run with every
approved item issued exactly once (PostgreSQL, a real ``python -m notice_service.cli worker`` process)."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.dunning import DunningRun, RunItem, StepTaken
from notice_service.db.models.events import Event
from notice_service.db.models.notices import Notice
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dunning.decisions import decide
from notice_service.use_cases.dunning.planning import plan_run
from notice_service.worker import run_until_idle
from tests.functional.dunning.support import Desk, desk_app, desk_services
from tests.services.workers import start_worker

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
DEBTORS = 8
STEP = {"offset_days": 1, "action": "reminder", "channel": "letter", "mode": "manual"}


@pytest.fixture
def pg_desk(tmp_path: Path, postgres_url: str) -> Iterator[Desk]:
    services = desk_services(tmp_path, postgres_url)
    yield Desk(services, desk_app(services))
    services.db.engine.dispose()


def _count(services: Services, query: object) -> int:
    with services.db.reading() as session:
        return int(session.execute(query).scalar_one())  # type: ignore[call-overload]


def _wait(condition: Callable[[], bool], what: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_killed_worker_restarted_issues_every_item_once(pg_desk: Desk) -> None:
    desk, services = pg_desk, pg_desk.services
    desk.ok(desk.api.post("/v1/plans", {"name": "Manuel", "steps": [STEP], "default": True}), 201)
    for n in range(DEBTORS):
        desk.invoice(desk.debtor(), f"F-{n}", date(2026, 3, 2))
    desk.set_day(date(2026, 3, 9))
    operator = Actor(desk.tenant_id, "operator", "test")
    run_id = plan_run(services, operator, date(2026, 3, 9)).run_id
    run_until_idle(services)  # the drafts the approver reads
    assert decide(services, operator, run_id, None, approve=True) == DEBTORS
    issued = select(func.count()).select_from(RunItem).where(RunItem.run_id == run_id, RunItem.state == "issued")

    first = start_worker(services.settings, "first", NOTICE_WORKER_LEASE_SECONDS="3")
    try:
        _wait(lambda: _count(services, issued) >= 2, "two items issued by the first worker")
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        first.kill()
    assert _count(services, issued) < DEBTORS, "the first worker finished before it was killed"
    second = start_worker(services.settings, "second", NOTICE_WORKER_LEASE_SECONDS="3")
    try:
        _wait(lambda: _count(services, issued) == DEBTORS, "every item issued after the restart")
        with services.db.reading() as session:
            _wait(lambda: session.get_one(DunningRun, run_id, populate_existing=True).status == "completed", "done", 30)
    finally:
        second.send_signal(signal.SIGTERM)
        second.kill()
        second.wait(30)

    notices = select(func.count()).select_from(Notice).where(Notice.status == "issued")
    assert _count(services, notices) == DEBTORS
    records = select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "notice:issued")
    assert _count(services, records) == DEBTORS  # each letter issued once, never twice
    assert _count(services, select(func.count()).select_from(StepTaken)) == DEBTORS
    with services.db.reading() as session:
        items = session.execute(select(RunItem).where(RunItem.run_id == run_id)).scalars().all()
        assert len({item.notice_id for item in items}) == DEBTORS
        assert {item.state for item in items} == {"issued"}
        completed = session.execute(select(Event).where(Event.type == "run.completed")).scalars().all()
    assert [event.data["counts"] for event in completed] == [{"issued": DEBTORS}]
