"""A dunning run's execution, its worker killed at each point an item's path crosses; then a worker again, once
the dead one's outbox lease ran out.

A run of two approved letter items (their drafts made and approved before): the worker claims the first item's
``dunning.item`` message in its own commit (#1), renders, signs and stores the letter, then commits the issued
notice with the item recorded issued and its step taken (#2, ``issue_notice`` with ``item_steps``' writes); its
next claim marks the first message done and takes the second item's (#3), whose issue (#4) also completes the
run; the claim after that marks the second message done. Killed before #2, nothing of the letter is in the
database (a stored PDF is an orphan ``store sweep`` lists, never deletes); killed after #2 or #4 the item is
recorded but its message not done: the restart finds the item done and marks the message, never issuing the
letter or completing the run twice. Every case ends with each item issued once with a letter of its own, the
run completed once, the audit log verifying.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from notice_service.db.models.dunning import DunningRun, RunItem, StepTaken
from notice_service.db.models.events import Event
from notice_service.db.models.notices import Notice
from notice_service.db.models.outbox import OUTBOX_MESSAGE_ID, OutboxMessage
from notice_service.use_cases.audit.mirror import mirror_pending
from notice_service.use_cases.dunning.planning import TOPIC_ITEM
from notice_service.use_cases.store_sweep import sweep_store
from notice_service.worker import HANDLERS
from notice_service.worker import _finish as finish_message
from tests.functional.conftest import Api
from tests.integration.faults.conftest import World

ITEMS = 2
AS_OF = "2026-06-30"  # a past day the rate tables cover (the world's clock is in November)
STEP = {"offset_days": 1, "action": "reminder", "channel": "letter", "mode": "manual"}
DEBTOR = {
    "kind": "business",
    "siren": "732829320",
    "address": {"lines": ["8 avenue Jean Jaurès"], "postal_code": "75019", "city": "Paris", "country": "FR"},
}
# after-render and after-sign leave what after-outbox-claim leaves (nothing), in the same issue_notice that
# test_issue_walk kills there: left out to keep the walk short.
# point -> (the item killed: 0 the first, 1 the last; what the dead worker left of that item's letter; how many
# items' messages it marked done)
POINTS = {
    "after-outbox-claim": (0, "nothing", 0),
    "after-store-put": (0, "orphan", 0),
    "before-commit#2": (0, "orphan", 0),  # the first item's issue commit, never made
    "after-commit#2": (0, "recorded", 0),  # the letter issued and the item recorded, its message not yet done
    "after-commit#3": (1, "nothing", 1),  # the first message done, the last item's claimed
    "after-commit#4": (1, "recorded", 1),  # the last letter issued, the run completed, the last message not done
}
LEFT: dict[str, set[str]] = {}  # per world: the orphans the walk left, which the sweep must list


def _approved_run(world: World, api: Api) -> str:
    """A run of ``ITEMS`` approved reminders, its drafts made; only its items' messages left for a worker."""
    assert api.post("/v1/plans", {"name": "Manuel", "steps": [STEP], "default": True}).status_code == 201
    for n in range(ITEMS):
        debtor = api.post("/v1/debtors", {**DEBTOR, "name": f"Boulangerie {n} SARL"})
        assert debtor.status_code == 201, debtor.json
        invoice = {"debtor_id": debtor.json["id"], "number": f"F-{n}", "amount_due": "1000.00"}
        invoice |= {"issue_date": "2026-05-01", "due_date": "2026-05-31"}
        assert api.post("/v1/invoices", invoice).status_code == 201
    run = api.post("/v1/runs", {"as_of": AS_OF})
    assert run.status_code == 201 and run.json["counts"]["proposed"] == ITEMS, run.json
    world.drain()  # the drafts the approver reads
    approved = api.post(f"/v1/runs/{run.json['id']}/approve", {"all": True})
    assert approved.status_code == 200 and approved.json["counts"]["approved"] == ITEMS, approved.json
    return str(run.json["id"])


def _only_items_pending(world: World, tenant_id: str) -> list[str]:
    """Handle here (as a worker would) every pending message but the items', so the dead worker's first batch is
    the first item's message alone (one heavy message a batch) and its commits are counted from its claim."""
    mirror_pending(world.services, tenant_id)
    with world.services.db.reading() as session:
        pending = select(OutboxMessage).where(OutboxMessage.done_at.is_(None)).order_by(OutboxMessage.id)
        others = [m for m in session.execute(pending).scalars() if m.topic != TOPIC_ITEM]
        session.expunge_all()
    for message in others:
        HANDLERS[message.topic](world.services, message.tenant_id, {**message.payload, OUTBOX_MESSAGE_ID: message.id})
        finish_message(world.services, message.id, None)
    with world.services.db.reading() as session:
        return [str(m.payload["item_id"]) for m in session.execute(pending).scalars()]


def _items(world: World, run_id: str) -> dict[str, RunItem]:
    with world.services.db.reading() as session:
        rows = session.execute(select(RunItem).where(RunItem.run_id == run_id)).scalars().all()
        session.expunge_all()
    return {row.id: row for row in rows}


def _notice(world: World, notice_id: str | None) -> Notice:
    assert notice_id is not None
    with world.services.db.reading() as session:
        notice = session.get_one(Notice, notice_id)
        session.expunge(notice)
    return notice


def _assert_left(world: World, run_id: str, killed: str, left: str, new_orphans: set[str]) -> None:
    """What the dead worker left of the killed item: its letter and its state, exactly."""
    item = _items(world, run_id)[killed]
    notice = _notice(world, item.notice_id)
    assert len(new_orphans) == (1 if left == "orphan" else 0), new_orphans  # the stored PDF no row points at
    assert notice.status == ("draft" if left in ("nothing", "orphan") else "issued")
    assert (notice.document_key is None) == (notice.status == "draft")  # a draft has no letter: nothing half-done
    assert item.state == ("issued" if left == "recorded" else "approved")


def _assert_issued_once(world: World, tenant_id: str, run_id: str) -> None:
    items = _items(world, run_id)
    assert {item.state for item in items.values()} == {"issued"} and len(items) == ITEMS
    letters = {item.notice_id for item in items.values()}
    assert len(letters) == ITEMS  # a letter each ...
    with world.services.db.reading() as session:
        notices = session.execute(select(Notice).where(Notice.tenant_id == tenant_id)).scalars().all()
        run = session.get_one(DunningRun, run_id)
        completed = session.execute(
            select(Event).where(Event.tenant_id == tenant_id, Event.type == "run.completed")
        ).scalars()
        assert [event.data["counts"] for event in completed] == [{"issued": ITEMS}]  # completed once
        assert run.status == "completed" and run.first_issued_at is not None
    assert {n.id for n in notices} == letters and {n.status for n in notices} == {"issued"}  # ... and no other
    for notice in notices:
        assert notice.document_key is not None and world.services.store.stat(notice.document_key).size > 0
    assert world.audited(tenant_id, "notice:issued") == ITEMS  # never issued twice
    assert world.audited(tenant_id, "run_item:issued") == ITEMS
    assert world.audited(tenant_id, "run:completed") == 1
    assert world.count(StepTaken, StepTaken.tenant_id == tenant_id) == ITEMS
    assert world.outbox(tenant_id, "notice.issued") == ITEMS
    assert world.count(OutboxMessage, OutboxMessage.tenant_id == tenant_id, OutboxMessage.done_at.is_(None)) == 0


@pytest.mark.parametrize("point", POINTS)
def test_a_worker_killed_while_executing_a_run_issues_every_item_once_after_the_restart(
    world: World, point: str
) -> None:
    tenant_id, api = world.tenant(f"Run {point}")
    run_id = _approved_run(world, api)
    order = _only_items_pending(world, tenant_id)
    assert sorted(order) == sorted(_items(world, run_id)) and len(order) == ITEMS  # one message an item
    orphans_before = world.orphans()

    world.crash(point, "worker")
    index, left, marked = POINTS[point]
    pending = OutboxMessage.topic == TOPIC_ITEM, OutboxMessage.done_at.is_(None)
    assert world.count(OutboxMessage, OutboxMessage.tenant_id == tenant_id, *pending) == ITEMS - marked
    new_orphans = world.orphans() - orphans_before
    _assert_left(world, run_id, order[index], left, new_orphans)
    LEFT.setdefault(world.environment["NOTICE_DATABASE_URL"], set()).update(new_orphans)
    if index:  # the first item went through whole before the kill
        assert _items(world, run_id)[order[0]].state == "issued"

    world.drain()
    world.drain()  # a second restart finds nothing left to do
    _assert_issued_once(world, tenant_id, run_id)
    assert world.orphans() - orphans_before == new_orphans  # the restart's letters are referenced, the orphan stays
    world.assert_ledger_verifies(tenant_id)


def test_store_sweep_lists_the_letters_the_dead_workers_stored_and_deletes_nothing(world: World) -> None:
    """``notice-service store sweep --json`` (the command, in its own process) after the walk above."""
    left = LEFT.get(world.environment["NOTICE_DATABASE_URL"], set())
    assert len(left) == 2  # after-store-put, before-commit#2: one letter each
    swept = world.command("store", "sweep", "--json")
    assert swept.returncode == 0, swept.stderr[-2000:]
    report = json.loads(swept.stdout.strip().splitlines()[-1])
    assert left <= {o["key"] for o in report["orphans"]} == {o.key for o in sweep_store(world.services).orphans}
    for orphan in report["orphans"]:
        assert world.services.store.stat(orphan["key"]).size == orphan["size"]  # still there: nothing deleted


def test_a_payment_after_a_person_issued_the_items_draft_does_not_skip_the_issued_letter(world: World) -> None:
    """The first item's draft issued from the API before the worker came to it, a payment recorded after: the
    letter is out (issued, audited, its ``notice.issued`` event queued), so the worker records the item issued
    and its step taken; the re-check before issuing (``recheck``) is for a letter not yet issued, and skipping
    this one would leave the step untaken, for the next run to propose again."""
    tenant_id, api = world.tenant("Run paid after the issue")
    run_id = _approved_run(world, api)
    order = _only_items_pending(world, tenant_id)
    first = _items(world, run_id)[order[0]]
    issued = api.post(f"/v1/notices/{first.notice_id}/issue", {})
    assert issued.status_code == 200 and issued.json["status"] == "issued", issued.json
    _assert_left(world, run_id, first.id, "issued", set())
    paid = api.post(f"/v1/invoices/{first.invoice_ids[0]}/payments", {"amount": "100.00", "paid_on": "2026-07-15"})
    assert paid.status_code == 201, paid.json

    world.drain()
    _assert_issued_once(world, tenant_id, run_id)
    world.assert_ledger_verifies(tenant_id)
