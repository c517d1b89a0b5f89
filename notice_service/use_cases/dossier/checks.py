"""The checks made before a dossier is exported, and the décompte it carries (as of the export date).

Prescription refuses the export (``ClaimPrescribed``, a problem naming ``override_prescription``) unless the
caller overrides it with a reason, which the export then audits. Everything else is a warning or a note, listed
in the response and in the bordereau (``domain.dossier_legal``), as is a dispute the debtor raised after the
latest mise en demeure (an injonction de payer on a contested claim invites an opposition, CPC 1416).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from notice_service.court_data import load_court_table
from notice_service.domain.courts import CourtTable, court_activity, court_named_by_requerant, name_court
from notice_service.domain.dossier.legal import (
    CheckOutcome,
    ClaimFacts,
    Court,
    Finding,
    FormalNoticeFacts,
    OpenInvoice,
    check_claim,
)
from notice_service.domain.french_format import date_fr
from notice_service.domain.interest import DebtorKind, debtor_kind
from notice_service.domain.prescription import prescription_date, prescription_start
from notice_service.errors import FieldError, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.cases.plan_terms import payment_plan
from notice_service.use_cases.cases.statement import compute_case_statement, statement_terms
from notice_service.use_cases.dossier.collect import CaseMaterial
from notice_service.use_cases.dossier.follow_up import follow_up_notes
from notice_service.use_cases.official_rates import current_rate_tables


class CourtUnknown(InvalidInput):
    """The debtor's commune is not in the shipped table of courts: no requête to a guessed court."""

    type_slug = "court-unknown"
    title = "Competent court unknown"


@lru_cache(maxsize=1)
def _court_table() -> CourtTable:
    return load_court_table()


def named_court(material: CaseMaterial, named_by_requerant: str | None = None) -> Court:
    """The court of the debtor's commune for its activity (``domain.courts``); for a commune the table does not
    hold, the court the requérant names (``court``: the kind the activity calls for), else ``CourtUnknown``.
    A court named for a commune the table holds is refused: the table's court is the one to address."""
    debtor = material.debtor
    activity = court_activity(debtor.kind, debtor.activity)
    table = _court_table()
    found = name_court(table, activity, debtor.country, debtor.postal_code, debtor.city)
    where = f"{debtor.postal_code} {debtor.city} ({debtor.country})"
    if found is not None and named_by_requerant is not None:
        raise InvalidInput(
            f"The table of courts names the {found.name} for {where}: leave court out.",
            errors=[FieldError("court", f"the debtor's commune is in the table: {found.name}")],
        )
    if found is None and named_by_requerant is not None:
        try:
            found = court_named_by_requerant(activity, debtor.postal_code, named_by_requerant)
        except ValueError as exc:
            raise InvalidInput(
                f"The court named does not fit the claim: {exc}.", errors=[FieldError("court", str(exc))]
            ) from exc
    if found is None:
        raise CourtUnknown(
            f"No competent court is known for the debtor's commune {where}: the shipped table of courts "
            f"(notice_service/court_data/courts.json, as of {table.as_of}) does not hold it, and a requête is not "
            "addressed to a guessed court. Check the debtor's address, or name the court of the debtor's domicile "
            "with the export's court option.",
            errors=[FieldError("court", "commune not in the table of courts (CPC 1406): name the court")],
            extra={"postal_code": debtor.postal_code, "city": debtor.city},
        )
    return Court(found.kind, found.addressee, found.name, found.basis)


class ClaimPrescribed(InvalidInput):
    """The claim (or part of it) is prescribed; an export needs ``override_prescription.reason``."""

    type_slug = "claim-prescribed"
    title = "Claim prescribed"


@dataclass(frozen=True)
class Assessment:
    statement: dict[str, Any]
    court: Court
    warnings: list[Finding]
    notes: list[Finding]
    prescribed: list[OpenInvoice]


def _formal_notices(material: CaseMaterial) -> list[FormalNoticeFacts]:
    found = []
    for item in material.notices:
        if item.notice.kind != "formal_notice":
            continue
        deadline = item.deadline
        found.append(
            FormalNoticeFacts(
                item.notice.id,
                date.fromisoformat(item.notice.letter_data["notice"]["date"]),
                deadline.receipt_on if deadline else None,
                deadline.receipt_deemed if deadline else False,
                deadline.deadline_on if deadline else None,
            )
        )
    return found


def dispute_warnings(material: CaseMaterial) -> list[Finding]:
    """A dispute raised after the latest mise en demeure: the judge must hear that the claim is contested."""
    formal = _formal_notices(material)
    if not formal:
        return []
    latest = max(notice.dated for notice in formal)
    later = sorted(d.raised_on for d in material.disputes if d.raised_on > latest)
    if not later:
        return []
    days = ", ".join(date_fr(day) for day in later)
    text = f"Contestation(s) du débiteur enregistrée(s) après la mise en demeure du {date_fr(latest)} ({days})."
    return [Finding("dispute_after_formal_notice", text)]


def _open_invoices(material: CaseMaterial, kind: DebtorKind) -> list[OpenInvoice]:
    found = []
    for invoice in material.invoices:
        paid_on = sorted(p.paid_on for p in material.payments if p.invoice_id == invoice.id)
        paid = sum((p.amount for p in material.payments if p.invoice_id == invoice.id), Decimal(0))
        paid += sum((c.amount for c in material.credit_notes if c.invoice_id == invoice.id), Decimal(0))
        start = prescription_start(kind, invoice.due_date, invoice.issue_date, invoice.delivered_on)
        limit = prescription_date(start.day, kind, paid_on)
        found.append(OpenInvoice(invoice.number, invoice.amount_due - paid, limit))
    return found


def case_statement_as_of(
    services: Services, material: CaseMaterial, as_of: date, interest_until: str | None = None
) -> dict[str, Any]:
    """The décompte at ``as_of``; for a consumer, interest runs from the mise en demeure's receipt;
    ``interest_until="last_confirmed"`` asks for the arrêté."""
    terms = statement_terms(material.debtor.kind, as_of, material.tenant.profile)
    receipts = [n.deadline.receipt_on for n in material.notices if n.notice.kind == "formal_notice" and n.deadline]
    if terms.debtor_kind is DebtorKind.CONSUMER and receipts:
        terms = replace(terms, notice_received_on=min(receipts))
    terms = replace(terms, plan=payment_plan([n.notice for n in material.notices], receipts, as_of))
    payments = [p for p in material.payments if p.paid_on <= as_of]
    credits = [c for c in material.credit_notes if c.issued_on <= as_of]
    return compute_case_statement(
        material.invoices,
        payments,
        terms,
        current_rate_tables(services),
        credits,
        interest_until,
        penalty_clause=material.tenant.profile.get("penalty_clause"),
    )


def assess_claim(
    services: Services,
    material: CaseMaterial,
    today: date,
    override_reason: str | None,
    interest_until: str | None = None,
    court: str | None = None,
) -> Assessment:
    """Prescription first (refused without an override, before any rate is needed), then the décompte, the
    warnings and notes, and the competent court."""
    kind = debtor_kind(material.debtor.kind)
    invoices = _open_invoices(material, kind)
    prescribed = [i for i in invoices if i.balance > 0 and i.prescription_date < today]
    overridden = require_not_prescribed(prescribed, override_reason)
    statement = case_statement_as_of(services, material, today, interest_until)
    facts = ClaimFacts(
        today=today,
        business_debtor=kind is DebtorKind.BUSINESS,
        total=Decimal(statement["total"]),
        invoices=invoices,
        formal_notices=_formal_notices(material),
        payment_dates=[p.paid_on for p in material.payments],
    )
    outcome: CheckOutcome = check_claim(facts)
    named = named_court(material, court)
    warnings = overridden + outcome.warnings + dispute_warnings(material)
    notes = outcome.notes + follow_up_notes(material)  # promises, pauses and calls (issue 14)
    return Assessment(statement, named, warnings, notes, outcome.prescribed)


def require_not_prescribed(prescribed: list[OpenInvoice], override_reason: str | None) -> list[Finding]:
    """Refuse a prescribed claim without an override; with one, the finding that goes into the bordereau."""
    if not prescribed:
        return []
    listed = ", ".join(f"{i.number} (prescrite depuis le {date_fr(i.prescription_date)})" for i in prescribed)
    if override_reason is None or not override_reason.strip():
        raise ClaimPrescribed(
            f"The claim is prescribed for invoice(s) {listed}. Give override_prescription.reason to export anyway "
            "(the override is recorded in the audit log).",
            errors=[FieldError("override_prescription", "required: the claim is prescribed")],
            extra={"prescribed": [i.number for i in prescribed]},
        )
    text = f"Prescription passée outre ({listed}) : {override_reason.strip()}"
    return [Finding("prescription_overridden", text)]
