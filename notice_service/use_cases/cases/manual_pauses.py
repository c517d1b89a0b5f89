"""Manual pauses of a case's dunning (``POST /v1/cases/{id}/pauses``: resume date, reason, note) and resuming one
early (``POST /v1/cases/{id}/pauses/{pause_id}/resume``).

Paused, it is audited ``case:paused`` on the case (resume date, reason, the note's SHA-256) and announced
``case.paused``; resumed, ``case:resumed`` and ``case.resumed``. One running manual pause at a time (409 naming
it; resume it first). A promise is not resumed here but cancelled (``…/promises/{id}/cancel``): the resume of a
promise's id is not found.
"""

from __future__ import annotations

from datetime import date

from notice_service.db.models.pauses import CasePause
from notice_service.domain.deadlines import PARIS
from notice_service.domain.pauses import pause_errors
from notice_service.errors import InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.cases.pause_schedule import settle_case_pauses
from notice_service.use_cases.cases.promises import (
    announce_pause,
    clean_note,
    note_digest,
    open_case_for_pause,
    owned_pause,
    refuse_ended,
    refuse_second,
)
from notice_service.use_cases.pause_endings import end_pause


def pause_case(services: Services, actor: Actor, case_id: str, until: date, reason: str, note: str | None) -> str:
    """Pause the tenant's open case until ``until`` (the day its dunning resumes); answers the pause's id."""
    text = clean_note(note)
    now = services.clock.now()
    errors = pause_errors(until, now.astimezone(PARIS).date(), reason, text)
    if errors:
        raise InvalidInput("The case cannot be paused.", errors=errors)
    with services.db.transaction() as session:
        case = open_case_for_pause(session, actor, case_id, now)
        refuse_second(session, case.id, "manual")
        pause = CasePause(
            id=new_id(), tenant_id=actor.tenant_id, case_id=case.id, kind="manual",
            starts_on=now.astimezone(PARIS).date(), until=until, reason=reason, note=text, created_by=actor.id,
            created_at=now,
        )  # fmt: skip
        session.add(pause)
        session.flush()
        announce_pause(session, actor, pause, "case:paused", now)
        return pause.id


def resume_pause(services: Services, actor: Actor, case_id: str, pause_id: str, note: str | None) -> None:
    """Resume a running manual pause before its date; ``Conflict`` when it already ended."""
    text = clean_note(note)
    now = services.clock.now()
    with services.db.transaction() as session:
        pause = owned_pause(session, actor, case_id, pause_id, "manual")
        settle_case_pauses(session, actor.tenant_id, case_id, now)
        refuse_ended(pause)
        end_pause(session, actor, pause, "resumed", now, by="person", extra={"note_sha256": note_digest(text)})
