"""A case's life-cycle: closing it with a reason, reopening it, and closing itself as ``paid``.

Closing is refused on a closed case and reopening on an open one (409, nothing written). A case closes itself
as ``paid`` in the transaction of the payment or credit note that brings its balance to zero: the balance is
the invoices' balance as ``GET /v1/invoices/{id}`` shows it (amount − payments − credit notes), summed over the
case's invoices; late-payment penalties and indemnities still claimable do not keep it open (reopen it to
claim them). Every change is audited (``case:closed``, ``case:reopened``) and announced (``case.closed``,
``case.reopened``) in the same transaction.
"""

from __future__ import annotations

from notice_service.db import audit_repository
from notice_service.db.models.cases import Case
from notice_service.db.outbox import queue_event
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.webhook_events import EventType
from notice_service.errors import Conflict, FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.settlement import close_case_row

CLOSE_REASONS = ("paid", "settled", "written_off", "transferred", "other")
MAX_NOTE = 500


def _check_reason(reason: str, note: str | None) -> None:
    """One of the reasons; a note of at most 500 characters, required for ``other``."""
    errors = []
    if reason not in CLOSE_REASONS:
        errors.append(FieldError("reason", f"one of {', '.join(CLOSE_REASONS)}"))
    if note is not None and len(note) > MAX_NOTE:
        errors.append(FieldError("note", f"at most {MAX_NOTE} characters"))
    if reason == "other" and not (note or "").strip():
        errors.append(FieldError("note", "say why the case is closed when the reason is 'other'"))
    if errors:
        raise InvalidInput("The case cannot be closed.", errors=errors)


def close_case(services: Services, actor: Actor, case_id: str, reason: str, note: str | None = None) -> None:
    """Close an open case for ``reason``; ``Conflict`` when it is already closed."""
    _check_reason(reason, note)
    now = services.clock.now()
    with services.db.transaction() as session:
        case = get_owned(session, Case, actor.tenant_id, case_id, lock=True)
        if case.status == "closed":
            raise Conflict(
                f"The case is already closed ({case.closed_reason}); reopen it first to change the reason.",
                extra={"closed_reason": case.closed_reason},
            )
        close_case_row(session, actor, case, reason, note.strip() if note else None, now, automatic=False)


def reopen_case(services: Services, actor: Actor, case_id: str) -> None:
    """Reopen a closed case (its earlier reason stays in the audit log); ``Conflict`` when it is open."""
    now = services.clock.now()
    with services.db.transaction() as session:
        case = get_owned(session, Case, actor.tenant_id, case_id, lock=True)
        if case.status != "closed":
            raise Conflict("The case is open: only a closed case can be reopened.")
        if case.purged_at is not None:  # its debtor's personal data is gone (use_cases/privacy, issue 18)
            raise Conflict("The case was purged of its personal data: it cannot be reopened; open a new one.")
        previous = case.closed_reason
        case.status, case.closed_reason, case.closed_note, case.closed_at = "open", None, None, None
        record = actor.record("case:reopened", "case", case.id, data={"previous_reason": previous})
        audit_repository.append(session, actor.tenant_id, [record], now)
        payload = {"case_id": case.id, "previous_reason": previous, "reopened_at": now.isoformat()}
        queue_event(session, tenant_id=actor.tenant_id, topic=EventType.CASE_REOPENED.value, payload=payload, at=now)
