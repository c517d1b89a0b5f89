"""A person's decisions on a run: approve or reject items (ids, or all), cancel the run, retry a failed item.

All or nothing: an id that is not an item of this run of this tenant, or an item not in a state the decision
applies to, is refused with ``invalid-input`` naming ``item_ids[i]``, and nothing changes. Approving freezes
the draft the approver saw: a letter item is approved only once its draft exists (the worker drafts it right
after planning), and execution issues that very notice. ``all`` approves (or rejects) every proposed item that
can be, and answers how many. Each decision is audited; approving and retrying queue the item's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.dunning import DunningRun, RunItem
from notice_service.db.models.notices import Notice
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import JsonValue
from notice_service.errors import Conflict, FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.dunning.planning import _LETTERS, TOPIC_ITEM
from notice_service.use_cases.dunning.progress import complete_if_done


def _open_run(session: Session, actor: Actor, run_id: str) -> DunningRun:
    run = get_owned(session, DunningRun, actor.tenant_id, run_id, lock=True)
    if run.status == "cancelled":
        raise Conflict("The run was cancelled; plan a new one (POST /v1/runs).", extra={"run_status": run.status})
    return run


def _ready(item: RunItem) -> bool:
    return item.action not in _LETTERS or item.notice_id is not None


def _selected(
    session: Session, actor: Actor, run: DunningRun, item_ids: Sequence[str] | None, approve: bool
) -> list[RunItem]:
    query = select(RunItem).where(RunItem.run_id == run.id, RunItem.tenant_id == actor.tenant_id)
    if item_ids is None:
        rows = session.execute(query.where(RunItem.state == "proposed").with_for_update()).scalars().all()
        return [row for row in rows if _ready(row) or not approve]
    if not item_ids:
        raise InvalidInput('Name the items, or send "all": true.', errors=[FieldError("item_ids", "empty")])
    found = {
        row.id: row for row in session.execute(query.where(RunItem.id.in_(list(item_ids))).with_for_update()).scalars()
    }
    errors = []
    for index, item_id in enumerate(item_ids):
        row = found.get(item_id)
        if row is None:
            errors.append(FieldError(f"item_ids[{index}]", "not an item of this run"))
        elif row.state != "proposed":
            errors.append(FieldError(f"item_ids[{index}]", f"the item is {row.state}, not proposed"))
        elif approve and not _ready(row):
            errors.append(FieldError(f"item_ids[{index}]", "its draft is not ready yet: the worker drafts it; retry"))
    if len(set(item_ids)) != len(item_ids):
        errors.append(FieldError("item_ids", "each item once"))
    if errors:
        raise InvalidInput("Nothing was changed.", errors=errors)
    return [found[item_id] for item_id in item_ids]


def _queue(session: Session, actor: Actor, item: RunItem, now: datetime) -> None:
    queue_event(session, tenant_id=actor.tenant_id, topic=TOPIC_ITEM, payload={"item_id": item.id}, at=now)


def decide(services: Services, actor: Actor, run_id: str, item_ids: Sequence[str] | None, approve: bool) -> int:
    """Approve (or reject) ``item_ids`` (``None``: all proposed) of the run; answers how many."""
    now = services.clock.now()
    with services.db.transaction() as session:
        run = _open_run(session, actor, run_id)
        items = _selected(session, actor, run, item_ids, approve)
        for item in items:
            item.state = "approved" if approve else "rejected"
            item.decided_by, item.decided_at = actor.id, now
            if approve:
                _queue(session, actor, item, now)
            else:
                item.done_at = now
        action = "run:approved" if approve else "run:rejected"
        data: dict[str, JsonValue] = {"items": [item.id for item in items]}
        audit_repository.append(session, actor.tenant_id, [actor.record(action, "run", run.id, data=data)], now)
        complete_if_done(session, actor, run.id, now)
    return len(items)


def cancel_run(services: Services, actor: Actor, run_id: str) -> int:
    """Cancel the run: every item not yet issued stops (``cancelled``); answers how many.

    An approved item whose letter is out already (a worker issued it and has not recorded the item yet, or was
    killed in between) is not cancelled: the worker records it issued, with its step taken, so that the next run
    does not propose the same step again. A worker that issues a letter while the cancel commits records its item
    issued too (``item_steps._record_issued``): a letter that left is never shown as cancelled."""
    now = services.clock.now()
    with services.db.transaction() as session:
        run = _open_run(session, actor, run_id)
        if run.status == "completed":
            raise Conflict("The run is completed: nothing is left to cancel.", extra={"run_status": run.status})
        query = select(RunItem).where(RunItem.run_id == run.id, RunItem.state.in_(("proposed", "approved", "failed")))
        query = query.outerjoin(Notice, Notice.id == RunItem.notice_id)
        query = query.where(or_(RunItem.state != "approved", Notice.id.is_(None), Notice.status == "draft"))
        items = session.execute(query.with_for_update(of=RunItem)).scalars().all()
        for item in items:
            item.state, item.reason, item.done_at = "cancelled", "the run was cancelled", now
        run.status, run.completed_at = "cancelled", now
        data = {"items": len(items)}
        audit_repository.append(
            session, actor.tenant_id, [actor.record("run:cancelled", "run", run.id, data=data)], now
        )
    return len(items)


def retry_item(services: Services, actor: Actor, run_id: str, item_id: str) -> None:
    """Send a failed item through again (approved, a new message); the run reopens if it had completed."""
    now = services.clock.now()
    with services.db.transaction() as session:
        run = _open_run(session, actor, run_id)
        item = get_owned(session, RunItem, actor.tenant_id, item_id, lock=True)
        if item.run_id != run.id:
            raise InvalidInput("Nothing was changed.", errors=[FieldError("item_id", "not an item of this run")])
        if item.state != "failed":
            raise Conflict(
                f"Only a failed item is retried; this one is {item.state}.", extra={"item_state": item.state}
            )
        item.state, item.reason, item.done_at, item.attempts = "approved", None, None, item.attempts + 1
        run.status, run.completed_at = "open", None
        _queue(session, actor, item, now)
        record = actor.record("run_item:retried", "run_item", item.id, data={"run_id": run.id})
        audit_repository.append(session, actor.tenant_id, [record], now)
