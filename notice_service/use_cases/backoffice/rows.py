"""What the pages' list rows show besides a list's items: each case's debtor, balance, next step and its date;
each debtor's open cases and balance. A handful of queries per page of rows (never one per row)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.court_data import load_court_table
from notice_service.db.models.cases import Case, CaseInvoice
from notice_service.db.models.claims import CreditNote, Debtor, Invoice, Payment
from notice_service.db.models.notices import Notice
from notice_service.domain.courts import court_activity, debtor_court
from notice_service.domain.deadlines import PARIS
from notice_service.domain.next_step import IssuedLetter, next_step
from notice_service.services import Services
from notice_service.use_cases.actor import Actor


def invoice_balances(session: Session, invoice_ids: list[str]) -> dict[str, Decimal]:
    """Each invoice's amount due less its payments and credit notes."""
    if not invoice_ids:
        return {}
    rows = session.execute(select(Invoice.id, Invoice.amount_due).where(Invoice.id.in_(invoice_ids))).all()
    balances = {row[0]: row[1] for row in rows}
    for model in (Payment, CreditNote):
        query = select(model.invoice_id, model.amount).where(model.invoice_id.in_(invoice_ids))
        for invoice_id, amount in session.execute(query).all():
            balances[invoice_id] -= amount
    return balances


def _case_invoices(session: Session, case_ids: list[str]) -> dict[str, list[tuple[str, date]]]:
    query = (
        select(CaseInvoice.case_id, Invoice.id, Invoice.due_date)
        .join(Invoice, Invoice.id == CaseInvoice.invoice_id)
        .where(CaseInvoice.case_id.in_(case_ids))
    )
    grouped: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for case_id, invoice_id, due in session.execute(query).all():
        grouped[case_id].append((invoice_id, due))
    return grouped


def _issued_letters(session: Session, case_ids: list[str]) -> dict[str, list[IssuedLetter]]:
    query = select(Notice.case_id, Notice.kind, Notice.letter_data, Notice.options).where(
        Notice.case_id.in_(case_ids), Notice.issued_at.is_not(None)
    )
    grouped: dict[str, list[IssuedLetter]] = defaultdict(list)
    for case_id, kind, letter_data, options in session.execute(query).all():
        issued_on = date.fromisoformat(letter_data["notice"]["date"])
        grouped[case_id].append(IssuedLetter(kind, issued_on, (options or {}).get("deadline_days")))
    return grouped


def case_rows(services: Services, actor: Actor, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listed cases with ``debtor_name``, ``balance`` (Decimal), ``next_action`` and ``next_date``."""
    case_ids = [item["id"] for item in items]
    today = services.clock.now().astimezone(PARIS).date()
    with services.db.reading() as session:
        names = dict(
            session.execute(
                select(Debtor.id, Debtor.name).where(
                    Debtor.tenant_id == actor.tenant_id, Debtor.id.in_({i["debtor_id"] for i in items})
                )
            ).all()
        )
        places = {
            row.id: row
            for row in session.execute(
                select(Debtor.id, Debtor.kind, Debtor.activity, Debtor.country, Debtor.postal_code, Debtor.city).where(
                    Debtor.id.in_(list(names))
                )
            )
        }
        invoices = _case_invoices(session, case_ids)
        balances = invoice_balances(session, [i for rows in invoices.values() for i, _ in rows])
        letters = _issued_letters(session, case_ids)
    rows = []
    for item in items:
        owed = [(i, due) for i, due in invoices[item["id"]] if balances.get(i, Decimal(0)) > 0]
        step = next_step(
            today, [due for _, due in owed], letters[item["id"]], court=_court(places.get(item["debtor_id"]))
        )
        balance = sum((balances[i] for i, _ in invoices[item["id"]]), Decimal(0))
        rows.append(
            {
                **item,
                "debtor_name": names.get(item["debtor_id"], ""),
                "balance": balance,
                "next_action": step.action,
                "next_date": step.not_before,
            }
        )
    return rows


def _court(debtor: Any) -> str:
    """The court the case's next step names: the same function as the case page and the letters."""
    if debtor is None:
        return ""
    activity = court_activity(debtor.kind, debtor.activity)
    return debtor_court(load_court_table(), activity, debtor.country, debtor.postal_code, debtor.city)


def debtor_rows(services: Services, actor: Actor, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listed debtors with ``open_cases`` (id, reference) and ``balance`` of their open invoices."""
    debtor_ids = [item["id"] for item in items]
    with services.db.reading() as session:
        cases: dict[str, list[tuple[str, str]]] = defaultdict(list)
        query = select(Case.debtor_id, Case.id, Case.reference).where(
            Case.tenant_id == actor.tenant_id, Case.debtor_id.in_(debtor_ids), Case.status == "open"
        )
        for debtor_id, case_id, reference in session.execute(query).all():
            cases[debtor_id].append((case_id, reference))
        open_invoices = session.execute(
            select(Invoice.id, Invoice.debtor_id).where(Invoice.debtor_id.in_(debtor_ids), Invoice.status == "open")
        ).all()
        balances = invoice_balances(session, [row[0] for row in open_invoices])
    owed: dict[str, Decimal] = defaultdict(Decimal)
    for invoice_id, debtor_id in open_invoices:
        owed[debtor_id] += balances[invoice_id]
    return [{**item, "open_cases": cases[item["id"]], "balance": owed[item["id"]]} for item in items]


def case_invoice_ids(services: Services, actor: Actor, case_id: str) -> set[str]:
    """The ids of the invoices of one of the tenant's cases (none for another tenant's case)."""
    with services.db.reading() as session:
        query = (
            select(CaseInvoice.invoice_id)
            .join(Case, Case.id == CaseInvoice.case_id)
            .where(Case.id == case_id, Case.tenant_id == actor.tenant_id)
        )
        return set(session.execute(query).scalars())
