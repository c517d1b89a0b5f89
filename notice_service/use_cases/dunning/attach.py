"""One case per debtor: the debtor's open invoices that no case holds yet join its open case, or open one.

An invoice joins when its plan's first step anchored on the due date has come (a pre-reminder five days before
the due date brings the invoice in five days before). An invoice that a case holds, open or closed, is never
taken again (a case closed as written off or transferred stays closed). The open case an invoice joins is the
debtor's oldest open case without a recorded dispute: a disputed case's invoices are left out of the letters
(disputes name no invoice; they pause their whole case), and the debtor's other invoices go on in another case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.case_progress import refresh_unpaid_due
from notice_service.db.models.case_documents import CaseDispute
from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import Invoice
from notice_service.domain.audit.records import RecordDraft
from notice_service.domain.dunning.plans import Step
from notice_service.use_cases.actor import Actor, new_id

AUDIT_CHUNK = 32
"""Records appended per statement: a run opening thousands of cases audits each, in statements of one shape
(the PostgreSQL append compiles once per number of records, and a statement of thousands would not)."""


def disputed_cases(session: Session, tenant_id: str) -> set[str]:
    return set(session.execute(select(CaseDispute.case_id).where(CaseDispute.tenant_id == tenant_id)).scalars())


def _lead_days(steps: list[Step]) -> int:
    """How many days before its due date an invoice enters the plan (0 when no step precedes the due date)."""
    return max([0, *(-step.offset_days for step in steps if step.anchor == "due_date")])


def _unheld_invoices(session: Session, tenant_id: str) -> list[tuple[str, str, date]]:
    held = select(CaseInvoice.invoice_id).join(Case, Case.id == CaseInvoice.case_id).where(Case.tenant_id == tenant_id)
    query = select(Invoice.id, Invoice.debtor_id, Invoice.due_date).where(
        Invoice.tenant_id == tenant_id, Invoice.status == "open", Invoice.id.not_in(held)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(query.order_by(Invoice.due_date, Invoice.id))]


def _open_cases(session: Session, tenant_id: str, disputed: set[str]) -> dict[str, str]:
    """Each debtor's oldest open undisputed case."""
    query = select(Case.debtor_id, Case.id).where(Case.tenant_id == tenant_id, Case.status == "open")
    chosen: dict[str, str] = {}
    for debtor_id, case_id in session.execute(query.order_by(Case.created_at.desc(), Case.id.desc())):
        if case_id not in disputed:
            chosen[debtor_id] = case_id
    return chosen


def attach_invoices(
    session: Session, actor: Actor, as_of: date, steps_of: Mapping[str, list[Step]], now: datetime
) -> tuple[int, int]:
    """Bring the debtors' due invoices into their case; answers (cases opened, invoices attached).
    ``steps_of`` maps a debtor id to its plan's steps (absent: the default plan's, under key ``""``)."""
    waiting: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for invoice_id, debtor_id, due in _unheld_invoices(session, actor.tenant_id):
        lead = _lead_days(steps_of.get(debtor_id) or steps_of[""])
        if due - timedelta(days=lead) <= as_of:
            waiting[debtor_id].append((invoice_id, due))
    if not waiting:
        return 0, 0
    existing = _open_cases(session, actor.tenant_id, disputed_cases(session, actor.tenant_id))
    joined = [existing[d] for d in waiting if d in existing]
    positions = _next_positions(session, joined)
    cases, links, records = [], [], []
    for debtor_id, invoices in waiting.items():
        case_id = existing.get(debtor_id)
        ids = [invoice_id for invoice_id, _ in invoices]
        if case_id is None:
            case_id = new_id()
            reference = f"DOS-{now.year}-{case_id[:8].upper()}"
            cases.append(_case_row(actor.tenant_id, case_id, debtor_id, reference, min(d for _, d in invoices), now))
            records.append(_record(actor, "case:opened", case_id, {"invoice_ids": ids, "reference": reference}))
        else:
            records.append(_record(actor, "case:invoices_joined", case_id, {"invoice_ids": ids}))
        start = positions.get(case_id, 0)
        links += [{"case_id": case_id, "invoice_id": iid, "position": start + i} for i, iid in enumerate(ids)]
    connection = session.connection()  # Core inserts: batched multi-row VALUES, no ORM bookkeeping
    if cases:
        connection.execute(insert(cast(Table, Case.__table__)), cases)
    connection.execute(insert(cast(Table, CaseInvoice.__table__)), links)
    for case_id in joined:
        refresh_unpaid_due(session, case_id=case_id)
    for start in range(0, len(records), AUDIT_CHUNK):
        audit_repository.append_now(session, actor.tenant_id, records[start : start + AUDIT_CHUNK], now)
    return len(cases), len(links)


def _next_positions(session: Session, case_ids: list[str]) -> dict[str, int]:
    if not case_ids:
        return {}
    query = (
        select(CaseInvoice.case_id, func.max(CaseInvoice.position))
        .where(CaseInvoice.case_id.in_(case_ids))
        .group_by(CaseInvoice.case_id)
    )
    return {case_id: int(top) + 1 for case_id, top in session.execute(query)}


def _case_row(
    tenant_id: str, case_id: str, debtor_id: str, reference: str, due: date, now: datetime
) -> dict[str, object]:
    return {
        "id": case_id,
        "tenant_id": tenant_id,
        "debtor_id": debtor_id,
        "reference": reference,
        "status": "open",
        "unpaid_due": due,
        "created_at": now,
    }


def _record(actor: Actor, action: str, case_id: str, data: dict[str, object]) -> RecordDraft:
    return actor.record(action, "case", case_id, data=data)  # type: ignore[arg-type]
