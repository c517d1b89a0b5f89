"""Prescription of the claim: the last day on which the creditor can still act (C. com. L110-4, C. conso.
L218-2, C. civ. 2240), shown on every case (LEGAL.md Part A §9)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from notice_service.domain.deadlines import add_months
from notice_service.domain.interest import DebtorKind

#: C. com. L110-4 I (between professionals, 5 years) and C. conso. L218-2 (professional against a consumer,
#: 2 years), in months for CPC 641 arithmetic.
PRESCRIPTION_MONTHS = {DebtorKind.BUSINESS: 60, DebtorKind.CONSUMER: 24}


@dataclass(frozen=True)
class PrescriptionStart:
    """The day the prescription period counts from, and which date of the invoice it is (``basis``:
    ``due_date``, ``delivered_on`` or ``issue_date``), with the reason in French (``reason_fr``)."""

    day: date
    basis: str
    reason_fr: str


def prescription_start(
    debtor_kind: DebtorKind, due_date: date, issue_date: date, delivered_on: date | None
) -> PrescriptionStart:
    """Where an invoice's prescription starts (issue 12 finding 8).

    B2B: its due date (C. com. L110-4, LEGAL.md Part A §9). B2C: the delivery of the goods or completion of
    the service (C. conso. L218-2; Cass. 1re civ. 19 mai 2021, n° 20-12.520: the action for payment of a
    service runs from its completion, not from the invoice or its due date), as the invoice gives it
    (``delivered_on``); without one, its issue date, and the case says so. Decision: the issue date is the
    default because goods and services are usually invoiced once delivered or done, and an earlier start is
    the creditor-safe side (the claim is never thought alive longer than it is).
    """
    if debtor_kind is DebtorKind.BUSINESS:
        return PrescriptionStart(due_date, "due_date", "date d’échéance de la facture (art. L110-4 C. com.)")
    if delivered_on is not None:
        reason = "date de livraison ou d’achèvement de la prestation indiquée (art. L218-2 C. conso.)"
        return PrescriptionStart(delivered_on, "delivered_on", reason)
    reason = (
        "date d’émission de la facture, à défaut de date de livraison ou d’achèvement de la prestation "
        "(art. L218-2 C. conso.)"
    )
    return PrescriptionStart(issue_date, "issue_date", reason)


def prescription_date(due_date: date, debtor_kind: DebtorKind, acknowledgements: Sequence[date] = ()) -> date:
    """Last day of the prescription period of an invoice: 5 years (B2B, C. com. L110-4 I) or 2 years (B2C,
    C. conso. L218-2) from ``due_date`` (pass ``prescription_start(...).day``: for a consumer, the delivery or
    completion date); the claim is prescribed from the next day (C. civ. 2229).

    Each acknowledgement by the debtor (partial payment, signed payment plan: C. civ. 2240) made while the
    period is running starts a new full period from its date (C. civ. 2231). A mise en demeure is not an
    acknowledgement and must not be passed here (Cass. com. 18 mai 2022, n°20-23.204).

    Decisions LEGAL.md did not settle:
    - B2B periods count from the due date (LEGAL.md Part A §9), not from "knowledge of the facts" (C. civ.
      2224); B2C ones from delivery or completion (``prescription_start``);
    - year arithmetic per CPC 641 (same day number, else the last day of the month: due 29 Feb 2024 →
      28 Feb 2029), with no extension to the next working day (Part B §9 doubt 14: prescription is governed by
      C. civ. 2228–2229, not CPC 642; not extending is the creditor-safe side);
    - an acknowledgement dated before the due date does not move the start; one dated after the period
      has ended does not revive it (the claim was already prescribed; renunciation, C. civ. 2250, is a
      lawyer's question).
    """
    months = PRESCRIPTION_MONTHS[debtor_kind]
    start = due_date
    end = add_months(start, months)
    for acknowledged_on in sorted(acknowledgements):
        if start < acknowledged_on <= end:
            start = acknowledged_on
            end = add_months(start, months)
    return end
