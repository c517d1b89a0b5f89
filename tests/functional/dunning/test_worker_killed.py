"""A worker process killed with SIGKILL in the middle of a run, then restarted, completes the run with every
approved item issued exactly once (PostgreSQL, a real ``python -m notice_service.cli worker`` process)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from notice_service.db.models.dunning import DunningRun, RunItem
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dunning.decisions import decide
from notice_service.use_cases.dunning.planning import plan_run
from notice_service.worker import run_until_idle
from tests.functional.dunning.support import Desk, desk_app, desk_services
from tests.integration.worker.bulk import assert_run_issued_exactly_once, count, wait_for
from tests.services.workers import start_worker

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
DEBTORS = 8
WAIT = 240  # seconds for the workers to issue
STEP = {"offset_days": 1, "action": "reminder", "channel": "letter", "mode": "manual"}


@pytest.fixture
def pg_desk(tmp_path: Path, postgres_url: str) -> Iterator[Desk]:
    services = desk_services(tmp_path, postgres_url)
    yield Desk(services, desk_app(services))
    services.db.engine.dispose()


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
        wait_for(lambda: count(services, issued) >= 2, "two items issued by the first worker", WAIT)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        first.kill()
    assert count(services, issued) < DEBTORS, "the first worker finished before it was killed"
    second = start_worker(services.settings, "second", NOTICE_WORKER_LEASE_SECONDS="3")
    try:
        wait_for(lambda: count(services, issued) == DEBTORS, "every item issued after the restart", WAIT)
        with services.db.reading() as session:
            wait_for(
                lambda: session.get_one(DunningRun, run_id, populate_existing=True).status == "completed", "done", 30
            )
    finally:
        second.send_signal(signal.SIGTERM)
        second.kill()
        second.wait(30)

    assert_run_issued_exactly_once(services, desk.tenant_id, run_id, DEBTORS)
