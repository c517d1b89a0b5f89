"""Ending a case's pause, shared by the promise and pause use cases, the worker's daily judgement and the case's
life-cycle (``settlement.close_case_row``): the row gets its ``outcome`` and ``ended_at``, the ending is audited
on the case and announced, in the caller's transaction.

| kind    | outcome   | audit action        | events                           |
| ------- | --------- | ------------------- | -------------------------------- |
| promise | kept      | ``promise:kept``      | ``promise.kept``, ``case.resumed``   |
| promise | broken    | ``promise:broken``    | ``promise.broken``, ``case.resumed`` |
| promise | cancelled | ``promise:cancelled`` | ``case.resumed``                   |
| manual  | resumed / cancelled | ``case:resumed`` | ``case.resumed``                  |

``by`` says what ended it: ``person`` (resumed or cancelled through the API), ``schedule`` (its date came),
``closing`` (the case closed: ``kept`` when closed as paid, else ``cancelled``). Reopening a case revives none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.pauses import CasePause
from notice_service.db.outbox import queue_event
from notice_service.domain.audit.records import JsonValue
from notice_service.domain.webhook_events import EventType
from notice_service.use_cases.actor import Actor

_PROMISE_EVENTS = {"kept": EventType.PROMISE_KEPT, "broken": EventType.PROMISE_BROKEN}


def pause_data(pause: CasePause) -> dict[str, JsonValue]:
    """What the audit records and events say of a pause (no free text: the note is kept on the row)."""
    data: dict[str, JsonValue] = {"pause_id": pause.id, "kind": pause.kind, "until": pause.until.isoformat()}
    if pause.amount is not None:
        data["amount"] = format(pause.amount, "f")
    if pause.reason is not None:
        data["reason"] = pause.reason
    return data


def end_pause(
    session: Session,
    actor: Actor,
    pause: CasePause,
    outcome: str,
    now: datetime,
    *,
    by: str,
    extra: Mapping[str, JsonValue] | None = None,
) -> None:
    """End ``pause`` with ``outcome``: audited on its case and announced in the caller's transaction."""
    pause.outcome, pause.ended_at = outcome, now
    data = {**pause_data(pause), "outcome": outcome, "by": by, **(extra or {})}
    action = f"promise:{outcome}" if pause.kind == "promise" else "case:resumed"
    audit_repository.append(session, actor.tenant_id, [actor.record(action, "case", pause.case_id, data=data)], now)
    payload = {"case_id": pause.case_id, **data, "ended_at": now.isoformat()}
    event = _PROMISE_EVENTS.get(outcome) if pause.kind == "promise" else None
    for topic in ([event] if event else []) + [EventType.CASE_RESUMED]:
        queue_event(session, tenant_id=actor.tenant_id, topic=topic.value, payload=payload, at=now)


def end_case_pauses(session: Session, actor: Actor, case_id: str, reason: str, now: datetime) -> int:
    """The case closed for ``reason``: end its pauses still running (promises ``kept`` when it closed as paid,
    everything else ``cancelled``); answers how many."""
    query = select(CasePause).where(CasePause.case_id == case_id, CasePause.ended_at.is_(None))
    running = list(session.execute(query.order_by(CasePause.created_at, CasePause.id)).scalars())
    for pause in running:
        outcome = "kept" if pause.kind == "promise" and reason == "paid" else "cancelled"
        end_pause(session, actor, pause, outcome, now, by="closing")
    return len(running)
