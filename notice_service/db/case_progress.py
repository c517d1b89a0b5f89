"""The two columns of a case that make its next step filterable in SQL (``GET /v1/cases?next_step=``):
``ladder_stage``, the furthest letter of the escalation ladder issued on it, and ``unpaid_due``, the earliest
due date among its invoices still ``open`` (``NULL``: nothing owed). ``domain.next_step`` decides the step from
exactly these two facts and today; the use cases that change them call these helpers in their transaction:
opening a case, a payment settling an invoice (``refresh_unpaid_due``), issuing a letter (``advance_stage``).
Anything else that closes or reopens an invoice (cancellation, credit notes) must call ``refresh_unpaid_due``.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import Invoice
from notice_service.domain.next_step import LADDER


def refresh_unpaid_due(session: Session, *, case_id: str | None = None, invoice_id: str | None = None) -> None:
    """Recompute ``unpaid_due`` of one case, or of every case holding ``invoice_id`` (flushes first)."""
    session.flush()
    earliest = (
        select(func.min(Invoice.due_date))
        .join(CaseInvoice, CaseInvoice.invoice_id == Invoice.id)
        .where(CaseInvoice.case_id == Case.id, Invoice.status == "open")
        .scalar_subquery()
    )
    if case_id is not None:
        which = Case.id == case_id
    else:
        which = Case.id.in_(select(CaseInvoice.case_id).where(CaseInvoice.invoice_id == invoice_id))
    session.execute(
        update(Case).where(which).values(unpaid_due=earliest), execution_options={"synchronize_session": False}
    )


def advance_stage(session: Session, case_id: str, kind: str) -> None:
    """Record that a letter of ``kind`` was issued on the case, if it is further up the ladder than the last."""
    if kind not in LADDER:
        return
    lower = or_(Case.ladder_stage.is_(None), Case.ladder_stage.in_(LADDER[: LADDER.index(kind)]))
    session.execute(update(Case).where(Case.id == case_id, lower).values(ladder_stage=kind))  # one statement
