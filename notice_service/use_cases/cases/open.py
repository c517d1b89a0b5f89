"""Opening a collection case: one debtor and the unpaid invoices it is pursued for."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.case_progress import refresh_unpaid_due
from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import Debtor, Invoice
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import FieldError, InvalidInput, NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id


def _check_invoice_ids(invoice_ids: list[str]) -> None:
    """A case lists at least one invoice, each once."""
    if not invoice_ids:
        raise InvalidInput("A case needs invoices.", errors=[FieldError("invoice_ids", "give at least one invoice id")])
    if len(set(invoice_ids)) != len(invoice_ids):
        raise InvalidInput("A case lists each invoice once.", errors=[FieldError("invoice_ids", "duplicate ids")])


def _check_owned(session: Session, tenant_id: str, debtor_id: str, invoice_ids: list[str]) -> None:
    """The debtor is the tenant's, and so is every invoice, each of it that debtor's; else one error per id."""
    try:
        get_owned(session, Debtor, tenant_id, debtor_id)
    except NotFound as exc:
        raise InvalidInput(exc.detail, errors=[FieldError("debtor_id", "no such debtor")]) from exc
    invoices = (
        session.execute(select(Invoice).where(Invoice.tenant_id == tenant_id, Invoice.id.in_(invoice_ids)))
        .scalars()
        .all()
    )
    found = {invoice.id: invoice for invoice in invoices}
    errors = [
        FieldError(f"invoice_ids[{i}]", "no such invoice") for i, iid in enumerate(invoice_ids) if iid not in found
    ]
    errors += [
        FieldError(f"invoice_ids[{i}]", "this invoice belongs to another debtor")
        for i, iid in enumerate(invoice_ids)
        if iid in found and found[iid].debtor_id != debtor_id
    ]
    if errors:
        raise InvalidInput("The case cannot be opened.", errors=errors)


def open_case(services: Services, actor: Actor, debtor_id: str, invoice_ids: list[str]) -> str:
    """Open a case against ``debtor_id`` for ``invoice_ids`` (in that order), audited ``case:opened``; its id."""
    _check_invoice_ids(invoice_ids)
    case_id = new_id()
    now = services.clock.now()
    with services.db.transaction() as session:
        _check_owned(session, actor.tenant_id, debtor_id, invoice_ids)
        reference = f"DOS-{now.year}-{case_id[:8].upper()}"
        session.add(
            Case(
                id=case_id,
                tenant_id=actor.tenant_id,
                debtor_id=debtor_id,
                reference=reference,
                status="open",
                created_at=now,
            )
        )
        session.flush()
        session.add_all(CaseInvoice(case_id=case_id, invoice_id=iid, position=i) for i, iid in enumerate(invoice_ids))
        refresh_unpaid_due(session, case_id=case_id)
        record = actor.record(
            "case:opened", "case", case_id, data={"invoice_ids": list(invoice_ids), "reference": reference}
        )
        audit_repository.append(session, actor.tenant_id, [record], now)
    return case_id
