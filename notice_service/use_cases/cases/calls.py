"""Calls to the debtor (``POST /v1/cases/{id}/calls``): when, who called, the outcome (``domain.pauses``
``CALL_OUTCOMES``), notes, and an optional promise to pay recorded exactly as ``POST …/promises`` records it, in
the same transaction (a refused promise records no call).

The caller's name and the notes stay on the row; the ``call:recorded`` audit record carries their SHA-256 only
(as a dispute's summary), with the time, the outcome and the promise's id; ``call.recorded`` announces it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.calls import CaseCall
from notice_service.db.models.cases import Case
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.audit.records import JsonValue
from notice_service.domain.pauses import call_errors
from notice_service.domain.webhook_events import EventType
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.cases.promises import PromiseInput, add_promise, clean_note, open_case_for_pause

MAX_NOTES = 2000
EARLIEST_YEAR = 2000  # an older call is a typing error (and year 1 would not convert to UTC)


@dataclass(frozen=True)
class CallInput:
    called_at: datetime
    caller: str
    outcome: str
    notes: str | None = None
    promise: PromiseInput | None = None


def _digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _checked(call: CallInput, now: datetime) -> CallInput:
    """The call with its texts stripped; ``InvalidInput`` naming every bad field."""
    errors = call_errors(call.outcome, call.promise is not None)
    caller, notes = call.caller.strip(), (call.notes or "").strip() or None
    if not caller:
        errors.append(FieldError("caller", "who called: a name or a team"))
    if notes is not None and len(notes) > MAX_NOTES:
        errors.append(FieldError("notes", f"at most {MAX_NOTES} characters"))
    if call.called_at.tzinfo is None:
        errors.append(FieldError("called_at", "a time with its offset, e.g. 2026-11-20T10:15:00+01:00"))
    elif call.called_at.year < EARLIEST_YEAR:
        errors.append(FieldError("called_at", f"in {EARLIEST_YEAR} or later"))
    elif call.called_at > now:
        errors.append(FieldError("called_at", "not in the future"))
    if errors:
        raise InvalidInput("The call cannot be recorded.", errors=errors)
    promise = call.promise
    if promise is not None:
        promise = PromiseInput(promise.amount, promise.on, clean_note(promise.note, "promise.note"))
    return CallInput(call.called_at, caller, call.outcome, notes, promise)


def record_call(services: Services, actor: Actor, case_id: str, call: CallInput) -> str:
    """Record a call on the tenant's case (and its promise, on an open case); answers the call's id."""
    now = services.clock.now()
    call = _checked(call, now)
    call_id = new_id()
    with services.db.transaction() as session:
        if call.promise is None:
            case = get_owned(session, Case, actor.tenant_id, case_id, lock=True)
            promise_id = None
        else:
            case = open_case_for_pause(session, actor, case_id, now)
            promise_id = add_promise(session, actor, case, call.promise, now, prefix="promise.").id
        session.add(
            CaseCall(
                id=call_id, tenant_id=actor.tenant_id, case_id=case.id, called_at=call.called_at, caller=call.caller,
                outcome=call.outcome, notes=call.notes, notes_sha256=_digest(call.notes), promise_id=promise_id,
                created_by=actor.id, created_at=now,
            )
        )  # fmt: skip
        session.flush()
        data: dict[str, JsonValue] = {
            "call_id": call_id, "called_at": call.called_at.isoformat(), "outcome": call.outcome,
            "caller_sha256": _digest(call.caller), "notes_sha256": _digest(call.notes), "promise_id": promise_id,
        }  # fmt: skip
        audit_repository.append(
            session, actor.tenant_id, [actor.record("call:recorded", "case", case.id, data=data)], now
        )
        payload = {"case_id": case.id, "call_id": call_id, "called_at": data["called_at"], "outcome": call.outcome}
        payload["promise_id"] = promise_id
        queue_event(session, tenant_id=actor.tenant_id, topic=EventType.CALL_RECORDED.value, payload=payload, at=now)
    return call_id


def call_json(call: CaseCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "case_id": call.case_id,
        "called_at": call.called_at.isoformat(),
        "caller": call.caller,
        "outcome": call.outcome,
        "notes": call.notes,
        "notes_sha256": call.notes_sha256,
        "promise_id": call.promise_id,
        "created_at": call.created_at.isoformat(),
    }


def load_case_calls(session: Session, case_id: str) -> list[CaseCall]:
    query = select(CaseCall).where(CaseCall.case_id == case_id).order_by(CaseCall.called_at, CaseCall.id)
    return list(session.execute(query).scalars())


def list_case_calls(services: Services, actor: Actor, case_id: str) -> list[dict[str, Any]]:
    """The case's calls, oldest first."""
    with services.db.reading() as session:
        case = get_owned(session, Case, actor.tenant_id, case_id)
        return [call_json(c) for c in load_case_calls(session, case.id)]
