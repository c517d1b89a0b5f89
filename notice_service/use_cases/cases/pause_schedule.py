"""Pauses whose date came: the worker's periodic step (``settle_due_pauses``, beside ``expire_deadlines``), also
run for one case before a new promise or pause is accepted (``settle_case_pauses``).

A promise whose date has passed (Europe/Paris) is judged: the payments *recorded* on the case's invoices since
the promise was made (``payments.created_at`` at or after the promise's) reach its amount → ``kept``, else
``broken``; a manual pause whose resume date came is ``resumed`` (``by: schedule``). Either way the case's
dunning resumes by itself: ``active_pauses`` already stops naming the pause on that day, whether or not this step
ran yet, so the run never waits for the worker. A ``promise.broken`` event is the signal for the next step.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from notice_service.db.models.cases import CaseInvoice
from notice_service.db.models.claims import Payment
from notice_service.db.models.pauses import CasePause
from notice_service.domain.deadlines import PARIS
from notice_service.domain.pauses import promise_outcome
from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.pause_endings import end_pause

WORKER = "pauses"


def paid_since(session: Session, pause: CasePause) -> list[Decimal]:
    """The payments recorded on the case's invoices since ``pause`` was created."""
    query = (
        select(Payment.amount)
        .join(CaseInvoice, CaseInvoice.invoice_id == Payment.invoice_id)
        .where(CaseInvoice.case_id == pause.case_id, Payment.created_at >= pause.created_at)
    )
    return list(session.execute(query).scalars())


def _due(today: date) -> Select[CasePause]:
    promise_passed = (CasePause.kind == "promise") & (CasePause.until < today)
    pause_over = (CasePause.kind != "promise") & (CasePause.until <= today)
    return select(CasePause).where(CasePause.ended_at.is_(None), or_(promise_passed, pause_over))


def _settle(session: Session, pause: CasePause, now: datetime) -> None:
    actor = Actor(pause.tenant_id, "worker", WORKER)
    if pause.kind != "promise":
        end_pause(session, actor, pause, "resumed", now, by="schedule")
        return
    amounts = paid_since(session, pause)
    outcome = promise_outcome(pause.amount or Decimal(0), amounts)
    paid = format(sum(amounts, Decimal(0)), "f")
    end_pause(session, actor, pause, outcome, now, by="schedule", extra={"paid_since": paid})


def settle_case_pauses(session: Session, tenant_id: str, case_id: str, now: datetime) -> int:
    """In the caller's transaction: settle the case's pauses whose date came; answers how many."""
    today = now.astimezone(PARIS).date()
    query = _due(today).where(CasePause.tenant_id == tenant_id, CasePause.case_id == case_id)
    due = list(session.execute(query.order_by(CasePause.until, CasePause.id)).scalars())
    for pause in due:
        _settle(session, pause, now)
    return len(due)


def settle_due_pauses(services: Services, limit: int = 100) -> int:
    """Settle every tenant's pauses whose date came (at most ``limit`` at once); answers how many. Safe on
    several workers at once."""
    now = services.clock.now()
    with services.db.transaction() as session:
        query = _due(now.astimezone(PARIS).date()).order_by(CasePause.until, CasePause.id).limit(limit)
        due = list(session.execute(query.with_for_update(skip_locked=True)).scalars())
        for pause in due:
            _settle(session, pause, now)
    return len(due)
