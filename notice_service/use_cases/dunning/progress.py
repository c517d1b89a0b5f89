"""A run's end: once no item is waiting (proposed or approved), the run is ``completed`` and ``run.completed``
goes out (event feed and webhooks), once, in the transaction that ends the last item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.dunning import DunningRun, RunItem
from notice_service.db.outbox import queue_event
from notice_service.domain.audit.records import RecordDraft
from notice_service.domain.webhook_events import EventType
from notice_service.use_cases.actor import Actor

WAITING = ("proposed", "approved")


def state_counts(session: Session, run_id: str) -> dict[str, int]:
    query = select(RunItem.state, func.count()).where(RunItem.run_id == run_id).group_by(RunItem.state)
    return {state: int(count) for state, count in session.execute(query)}


def completion(session: Session, actor: Actor, run: DunningRun, now: datetime) -> list[RecordDraft]:
    """In the caller's transaction, ``run`` locked by it: complete the run if nothing waits any more (its status,
    the ``run.completed`` event); answers the ``run:completed`` record for the caller to append (none: the run
    goes on), so that a transaction's records are appended together, after its statements."""
    if run.status != "open":
        return []
    session.flush()
    waiting = select(RunItem.id).where(RunItem.run_id == run.id, RunItem.state.in_(WAITING)).limit(1)
    if session.execute(waiting).first() is not None:  # one index probe: the run's counts only at its end
        return []
    counts = state_counts(session, run.id)
    run.status, run.completed_at = "completed", now
    data = {"run_id": run.id, "as_of": run.as_of.isoformat(), "counts": dict(sorted(counts.items()))}
    queue_event(session, tenant_id=actor.tenant_id, topic=EventType.RUN_COMPLETED.value, payload=data, at=now)
    return [actor.record("run:completed", "run", run.id, data={"counts": dict(sorted(counts.items()))})]


def locked_run(session: Session, run_id: str) -> DunningRun:
    return session.execute(select(DunningRun).where(DunningRun.id == run_id).with_for_update()).scalar_one()


def complete_if_done(session: Session, actor: Actor, run_id: str, now: datetime) -> bool:
    """In the caller's transaction: complete the run if nothing waits any more; answers whether it did now."""
    records = completion(session, actor, locked_run(session, run_id), now)
    audit_repository.append(session, actor.tenant_id, records, now)
    return bool(records)
