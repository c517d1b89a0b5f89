"""Run progress in ``/metrics`` (SQLite and PostgreSQL): the open runs' items per state, and runs per status,
follow a run from planning through drafting, approval and issuing, and the run leaves the gauges once done."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from notice_service.worker import run_until_idle
from tests.functional.dunning.support import Desk, desk_app, desk_services
from tests.functional.operations.test_metrics import scrape, value

STEP = {"offset_days": 1, "action": "reminder", "channel": "letter", "mode": "manual"}
DEBTORS = 3


@pytest.fixture
def desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    services = desk_services(tmp_path, database_url)
    yield Desk(services, desk_app(services))
    services.db.engine.dispose()


def _items(desk: Desk) -> dict[str, float]:
    samples = scrape(desk.api.client)
    states = ("proposed", "approved", "issued", "failed", "skipped")
    return {state: value(samples, "notice_run_items", state=state) for state in states} | {
        f"runs_{status}": value(samples, "notice_runs", status=status) for status in ("open", "completed")
    }


def test_run_progress_follows_a_run(desk: Desk) -> None:
    assert _items(desk) == dict.fromkeys(_items(desk), 0.0)  # every state exported, 0 before any run
    desk.ok(desk.api.post("/v1/plans", {"name": "Manuel", "steps": [STEP], "default": True}), 201)
    for n in range(DEBTORS):
        desk.invoice(desk.debtor(), f"F-{n}", date(2026, 3, 2))
    desk.set_day(date(2026, 3, 9))
    run = desk.ok(desk.api.post("/v1/runs", {"as_of": "2026-03-09"}), 201)
    assert _items(desk)["proposed"] == DEBTORS and _items(desk)["runs_open"] == 1
    run_until_idle(desk.services)  # the drafts: still proposed
    assert _items(desk)["proposed"] == DEBTORS
    desk.ok(desk.api.post(f"/v1/runs/{run['id']}/approve", {"all": True}))
    progress = _items(desk)
    assert (progress["proposed"], progress["approved"], progress["issued"]) == (0, DEBTORS, 0)
    run_until_idle(desk.services)
    progress = _items(desk)
    assert (progress["approved"], progress["issued"], progress["runs_open"], progress["runs_completed"]) == (0, 0, 0, 1)
