"""Cancelling a run while its letters leave: a letter that left is recorded issued on its item (with its step
taken, so the next run does not propose the step again), never shown as cancelled; the items whose letters
have not left are cancelled. SQLite and PostgreSQL.

The interleavings are the worker's own steps, called in the order a race gives them: ``issue_notice`` (the
worker's issue commit) before the cancel, the worker killed before it records the item; and a worker that read
the draft before the cancel and issues it after (``item_steps.issue_letter``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from notice_service.db.models.dunning import RunItem, StepTaken
from notice_service.use_cases.dunning.execute import worker_actor
from notice_service.use_cases.dunning.item_steps import issue_letter
from notice_service.use_cases.notices.issue import issue_notice
from notice_service.worker import run_until_idle
from tests.functional.dunning.support import Desk

DUE, REMINDER_DAY = date(2026, 3, 7), date(2026, 3, 8)  # the J+1 reminder


MANUAL = {"offset_days": 1, "action": "reminder", "channel": "email", "mode": "manual", "tone": "courteous"}


def _approved_run(desk: Desk, debtors: int) -> tuple[dict[str, Any], list[RunItem]]:
    """A run of one approved reminder per debtor (a plan whose one step waits for approval), not executed."""
    plan = desk.ok(desk.api.post("/v1/plans", {"name": "Manuel", "steps": [MANUAL]}), 201)
    for number in range(debtors):
        debtor = desk.debtor(name=f"Client {number} SARL")
        desk.ok(desk.client_put(f"/v1/debtors/{debtor}/plan", {"plan_id": plan["id"]}))
        desk.invoice(debtor, f"F-{number}", DUE)
    desk.set_day(REMINDER_DAY)
    run = desk.ok(desk.api.post("/v1/runs", {"as_of": REMINDER_DAY.isoformat()}), 201)
    run_until_idle(desk.services)  # the drafts
    desk.ok(desk.api.post(f"/v1/runs/{run['id']}/approve", {"all": True}))
    with desk.services.db.reading() as session:
        items = list(session.execute(select(RunItem).where(RunItem.run_id == run["id"])).scalars())
    assert len(items) == debtors and all(item.state == "approved" and item.notice_id for item in items), [
        (item.state, item.action, item.notice_id, item.reason) for item in items
    ]
    return run, sorted(items, key=lambda item: item.id)


def _states(desk: Desk, run_id: str) -> dict[str, str]:
    return {item["id"]: item["state"] for item in desk.ok(desk.api.get(f"/v1/runs/{run_id}/items"))["data"]}


def _steps_taken(desk: Desk, item_id: str) -> int:
    with desk.services.db.reading() as session:
        query = select(func.count()).select_from(StepTaken).where(StepTaken.item_id == item_id)
        return int(session.execute(query).scalar_one())


def test_a_letter_issued_before_the_cancel_is_recorded_issued_the_others_cancelled(desk: Desk) -> None:
    run, (out, waiting) = _approved_run(desk, 2)
    assert out.notice_id is not None
    issue_notice(desk.services, worker_actor(desk.tenant_id), out.notice_id)  # then the worker dies
    cancelled = desk.ok(desk.api.post(f"/v1/runs/{run['id']}/cancel"))
    assert cancelled["status"] == "cancelled" and cancelled["counts"]["cancelled"] == 1
    assert _states(desk, run["id"]) == {out.id: "approved", waiting.id: "cancelled"}
    run_until_idle(desk.services)  # another worker takes the dead one's message
    assert _states(desk, run["id"]) == {out.id: "issued", waiting.id: "cancelled"}
    assert (_steps_taken(desk, out.id), _steps_taken(desk, waiting.id)) == (1, 0)
    assert desk.notices_issued() == 1


def test_a_letter_issued_while_the_cancel_commits_is_recorded_issued(desk: Desk) -> None:
    run, (racing,) = _approved_run(desk, 1)
    assert racing.notice_id is not None
    desk.ok(desk.api.post(f"/v1/runs/{run['id']}/cancel"))  # commits while the worker renders and signs
    assert _states(desk, run["id"]) == {racing.id: "cancelled"}
    issue_letter(desk.services, worker_actor(desk.tenant_id), racing, racing.notice_id)  # its issue commits after
    assert _states(desk, run["id"]) == {racing.id: "issued"}
    assert _steps_taken(desk, racing.id) == 1 and desk.notices_issued() == 1
    assert desk.ok(desk.api.get(f"/v1/runs/{run['id']}"))["status"] == "cancelled"
    run_until_idle(desk.services)  # the item's own message: nothing more to do
    assert _steps_taken(desk, racing.id) == 1 and desk.notices_issued() == 1


def test_a_cancel_refused_leaves_every_item_as_it_was(desk: Desk) -> None:
    run, items = _approved_run(desk, 1)
    before = _states(desk, run["id"])
    other = desk.ok(desk.api.post("/v1/runs/not-a-run/cancel"), 404)
    assert other["status"] == 404
    run_until_idle(desk.services)
    desk.ok(desk.api.post(f"/v1/runs/{run['id']}/cancel"), 409)  # completed: nothing is left to cancel
    assert before == {items[0].id: "approved"} and _states(desk, run["id"]) == {items[0].id: "issued"}
