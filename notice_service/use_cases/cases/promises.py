"""Promises to pay (``POST /v1/cases/{id}/promises``, also made by a call), their cancellation, and the list of a
case's pauses of either kind.

A promise pauses the case until its date (``domain.pauses`` has the rules: amount, horizon, one active promise);
the worker judges it once the date has passed (``pause_schedule``). Made, it is audited ``promise:made`` on the
case (amount, date, the note's SHA-256 only: the note stays on the row) and announced ``case.paused``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Invoice
from notice_service.db.models.pauses import CasePause
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import JsonValue
from notice_service.domain.deadlines import PARIS
from notice_service.domain.pauses import MAX_NOTE, promise_errors
from notice_service.domain.webhook_events import EventType
from notice_service.errors import CaseClosed, Conflict, FieldError, InvalidInput, NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.cases.pause_schedule import settle_case_pauses
from notice_service.use_cases.cases.statement import load_case_invoices
from notice_service.use_cases.json_values import iso_or_none
from notice_service.use_cases.pause_endings import end_pause, pause_data
from notice_service.use_cases.settlement import invoice_balance

#: the audit actions of promises, pauses and calls: the case's timeline shows their data
FOLLOW_UP_ACTIONS = frozenset(
    {"promise:made", "promise:kept", "promise:broken", "promise:cancelled", "case:paused", "case:resumed"}
    | {"call:recorded"}
)


@dataclass(frozen=True)
class PromiseInput:
    amount: Decimal
    on: date  # the date the debtor promised to pay by
    note: str | None = None


def note_digest(note: str | None) -> str | None:
    return None if note is None else hashlib.sha256(note.encode("utf-8")).hexdigest()


def clean_note(note: str | None, field: str = "note") -> str | None:
    """The note stripped (``None`` when blank); ``InvalidInput`` over ``MAX_NOTE`` characters."""
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_NOTE:
        raise InvalidInput(f"The note is limited to {MAX_NOTE} characters.", errors=[FieldError(field, "too long")])
    return text


def open_case_for_pause(session: Session, actor: Actor, case_id: str, now: datetime) -> Case:
    """The tenant's open case, locked, with its pauses whose date came settled first."""
    case = get_owned(session, Case, actor.tenant_id, case_id, lock=True)
    if case.status == "closed":
        raise CaseClosed(
            f"The case is closed ({case.closed_reason}): reopen it before pausing its dunning.",
            extra={"closed_reason": case.closed_reason},
        )
    settle_case_pauses(session, actor.tenant_id, case.id, now)
    return case


def refuse_second(session: Session, case_id: str, kind: str) -> None:
    """One running pause per kind: ``Conflict`` naming the running one."""
    query = select(CasePause).where(CasePause.case_id == case_id, CasePause.kind == kind, CasePause.ended_at.is_(None))
    running = session.execute(query).scalars().first()
    if running is not None:
        what = "promise" if kind == "promise" else "manual pause"
        ends = "cancel it" if kind == "promise" else "resume it"
        raise Conflict(
            f"The case already has a running {what} (until {running.until.isoformat()}): {ends} first.",
            extra={"active_pause_id": running.id, "until": running.until.isoformat()},
        )


def case_balance(session: Session, case_id: str) -> Decimal:
    invoices: list[Invoice] = load_case_invoices(session, case_id)
    return sum((invoice_balance(session, i) for i in invoices if i.cancelled_at is None), Decimal(0))


def add_promise(
    session: Session, actor: Actor, case: Case, promise: PromiseInput, now: datetime, prefix: str = ""
) -> CasePause:
    """In the caller's transaction, on an open locked case: check, store, audit and announce the promise."""
    today = now.astimezone(PARIS).date()
    errors = promise_errors(promise.amount, promise.on, today, case_balance(session, case.id), prefix)
    if errors:
        raise InvalidInput("The promise to pay cannot be recorded.", errors=errors)
    refuse_second(session, case.id, "promise")
    pause = CasePause(
        id=new_id(), tenant_id=actor.tenant_id, case_id=case.id, kind="promise", starts_on=today, until=promise.on,
        amount=promise.amount, note=promise.note, created_by=actor.id, created_at=now,
    )  # fmt: skip
    session.add(pause)
    session.flush()
    announce_pause(session, actor, pause, "promise:made", now)
    return pause


def announce_pause(session: Session, actor: Actor, pause: CasePause, action: str, now: datetime) -> None:
    """Audit ``action`` on the case (the note by its SHA-256) and queue ``case.paused``."""
    data: dict[str, JsonValue] = {**pause_data(pause), "starts_on": pause.starts_on.isoformat()}
    data["note_sha256"] = note_digest(pause.note)
    audit_repository.append(session, actor.tenant_id, [actor.record(action, "case", pause.case_id, data=data)], now)
    payload = {"case_id": pause.case_id, **data}
    queue_event(session, tenant_id=actor.tenant_id, topic=EventType.CASE_PAUSED.value, payload=payload, at=now)


def record_promise(services: Services, actor: Actor, case_id: str, promise: PromiseInput) -> str:
    """Record a promise to pay on the tenant's open case; answers its id."""
    promise = PromiseInput(promise.amount, promise.on, clean_note(promise.note))
    now = services.clock.now()
    with services.db.transaction() as session:
        case = open_case_for_pause(session, actor, case_id, now)
        return add_promise(session, actor, case, promise, now).id


def owned_pause(session: Session, actor: Actor, case_id: str, pause_id: str, kind: str) -> CasePause:
    """The case's pause ``pause_id`` of ``kind``; ``NotFound`` for another case's, tenant's or kind's."""
    get_owned(session, Case, actor.tenant_id, case_id, lock=True)
    pause = session.get(CasePause, pause_id)
    if pause is None or (pause.tenant_id, pause.case_id, pause.kind) != (actor.tenant_id, case_id, kind):
        label = "promise" if kind == "promise" else "pause"
        raise NotFound(f"No {label} with id {pause_id} on case {case_id}.", extra={"resource": label, "id": pause_id})
    return pause


def refuse_ended(pause: CasePause) -> None:
    if pause.ended_at is not None:
        raise Conflict(
            f"It already ended ({pause.outcome}) on {pause.ended_at.isoformat()}.", extra={"outcome": pause.outcome}
        )


def cancel_promise(services: Services, actor: Actor, case_id: str, promise_id: str, note: str | None) -> None:
    """Cancel a running promise (the case resumes); ``Conflict`` when it already ended."""
    note = clean_note(note)
    now = services.clock.now()
    with services.db.transaction() as session:
        pause = owned_pause(session, actor, case_id, promise_id, "promise")
        settle_case_pauses(session, actor.tenant_id, case_id, now)
        refuse_ended(pause)
        end_pause(session, actor, pause, "cancelled", now, by="person", extra={"note_sha256": note_digest(note)})


def pause_json(pause: CasePause) -> dict[str, Any]:
    return {
        "id": pause.id,
        "case_id": pause.case_id,
        "kind": pause.kind,
        "starts_on": pause.starts_on.isoformat(),
        "until": pause.until.isoformat(),
        "amount": None if pause.amount is None else format(pause.amount, "f"),
        "reason": pause.reason,
        "note": pause.note,
        "created_by": pause.created_by,
        "created_at": pause.created_at.isoformat(),
        "status": "active" if pause.ended_at is None else "ended",
        "outcome": pause.outcome,
        "ended_at": iso_or_none(pause.ended_at),
    }


def load_case_pauses(session: Session, case_id: str, kind: str | None = None) -> list[CasePause]:
    query = select(CasePause).where(CasePause.case_id == case_id)
    if kind is not None:
        query = query.where(CasePause.kind == kind)
    return list(session.execute(query.order_by(CasePause.created_at, CasePause.id)).scalars())


def list_case_pauses(services: Services, actor: Actor, case_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The case's pauses (of ``kind``, or both), oldest first."""
    with services.db.reading() as session:
        case = get_owned(session, Case, actor.tenant_id, case_id)
        return [pause_json(p) for p in load_case_pauses(session, case.id, kind)]


def get_case_pause(services: Services, actor: Actor, case_id: str, pause_id: str) -> dict[str, Any]:
    """One pause of the tenant's case (either kind)."""
    with services.db.reading() as session:
        get_owned(session, Case, actor.tenant_id, case_id)
        pause = session.get(CasePause, pause_id)
        if pause is None or (pause.tenant_id, pause.case_id) != (actor.tenant_id, case_id):
            raise NotFound(
                f"No pause with id {pause_id} on case {case_id}.", extra={"resource": "pause", "id": pause_id}
            )
        return pause_json(pause)
