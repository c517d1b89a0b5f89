"""What the law says about a case today: each invoice's prescription date and the case's next step.

Prescription (``domain.prescription``, LEGAL.md Part A §9): 5 years B2B from the due date, 2 years B2C from the
delivery or completion date (the invoice's ``delivered_on``, else its issue date; ``counted_from`` says which), each
payment received while the period runs being an acknowledgement that restarts it (C. civ. 2240). Signed payment
plans are not tracked yet, so they do not count here. The next step (``domain.next_step``) follows the letters
issued on the case and the unpaid invoices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from notice_service.court_data import load_court_table
from notice_service.db.models.claims import Debtor, Invoice
from notice_service.db.models.notices import Notice
from notice_service.domain.courts import court_activity, debtor_court
from notice_service.domain.deadlines import PARIS
from notice_service.domain.interest import debtor_kind
from notice_service.domain.next_step import IssuedLetter, next_step
from notice_service.domain.prescription import prescription_date, prescription_start
from notice_service.use_cases.claims.queries import payments_by_invoice


def _issued(notices: Sequence[Notice]) -> list[IssuedLetter]:
    return [
        IssuedLetter(n.kind, date.fromisoformat(n.letter_data["notice"]["date"]), n.options.get("deadline_days"))
        for n in notices
        if n.issued_at is not None
    ]


def case_legal_summary(
    session: Session, now: datetime, debtor: Debtor, invoices: Sequence[Invoice], notices: Sequence[Notice]
) -> dict[str, Any]:
    """``{"prescription": [per invoice], "next_step": {...}}`` as JSON, for the case view (legal dates in Paris)."""
    today = now.astimezone(PARIS).date()
    kind = debtor_kind(debtor.kind)
    payments = payments_by_invoice(session, invoices)
    prescription = []
    unpaid_due_dates = []
    for invoice in invoices:
        acknowledged = sorted(p.paid_on for p in payments[invoice.id])
        start = prescription_start(kind, invoice.due_date, invoice.issue_date, invoice.delivered_on)
        prescription.append(
            {
                "invoice_id": invoice.id,
                "number": invoice.number,
                "due_date": invoice.due_date.isoformat(),
                "counted_from": start.day.isoformat(),
                "counted_from_basis": start.basis,
                "counted_from_reason": start.reason_fr,
                "acknowledgements": [day.isoformat() for day in acknowledged],
                "prescription_date": prescription_date(start.day, kind, acknowledged).isoformat(),
            }
        )
        if sum((p.amount for p in payments[invoice.id]), Decimal(0)) < invoice.amount_due:
            unpaid_due_dates.append(invoice.due_date)
    activity = court_activity(debtor.kind, debtor.activity)
    court = debtor_court(load_court_table(), activity, debtor.country, debtor.postal_code, debtor.city)
    step = next_step(today, unpaid_due_dates, _issued(notices), court=court)
    next_json = {"action": step.action, "not_before": step.not_before.isoformat() if step.not_before else None}
    return {"prescription": prescription, "next_step": {**next_json, "reason": step.reason, "court": step.court}}
