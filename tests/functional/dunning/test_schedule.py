"""The worker's daily run: planned once a day at the tenant's time (Paris), not before, not twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notice_service.use_cases.dunning.schedule import plan_scheduled_runs
from tests.functional.dunning.support import Desk


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_daily_run_is_planned_once_at_the_tenants_time(desk: Desk) -> None:
    desk.settings(run_at="07:30")
    desk.set_day(date(2026, 3, 9))  # 07:00 in Paris
    assert plan_scheduled_runs(desk.services) == 0  # not yet
    desk.clock.advance(timedelta(minutes=45))
    assert plan_scheduled_runs(desk.services) == 1
    assert plan_scheduled_runs(desk.services) == 0  # once a day
    [run] = desk.ok(desk.api.get("/v1/runs"))["data"]
    assert (run["trigger"], run["as_of"], run["status"]) == ("schedule", "2026-03-09", "completed")  # nothing due
    desk.set_day(date(2026, 3, 10))
    desk.clock.advance(timedelta(hours=1))
    assert plan_scheduled_runs(desk.services) == 1
    assert desk.settings(no_daily_run=True)["run_at"] is None
    desk.set_day(date(2026, 3, 11))
    desk.clock.advance(timedelta(hours=3))
    assert plan_scheduled_runs(desk.services) == 0
    assert len(desk.ok(desk.api.get("/v1/runs"))["data"]) == 2
