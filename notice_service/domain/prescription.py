"""Prescription of the claim: the last day on which the creditor can still act (C. com. L110-4, C. conso.
L218-2, C. civ. 2240), shown on every case (LEGAL.md Part A §9)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from notice_service.domain.deadlines import add_months
from notice_service.domain.interest import DebtorKind

#: C. com. L110-4 I (between professionals, 5 years) and C. conso. L218-2 (professional against a consumer,
#: 2 years), in months for CPC 641 arithmetic.
PRESCRIPTION_MONTHS = {DebtorKind.BUSINESS: 60, DebtorKind.CONSUMER: 24}


def prescription_date(due_date: date, debtor_kind: DebtorKind, acknowledgements: Sequence[date] = ()) -> date:
    """Last day of the prescription period of an invoice: 5 years (B2B, C. com. L110-4 I) or 2 years (B2C,
    C. conso. L218-2) from ``due_date``; the claim is prescribed from the next day (C. civ. 2229).

    Each acknowledgement by the debtor (partial payment, signed payment plan: C. civ. 2240) made while the
    period is running starts a new full period from its date (C. civ. 2231). A mise en demeure is not an
    acknowledgement and must not be passed here (Cass. com. 18 mai 2022, n°20-23.204).

    Decisions LEGAL.md did not settle:
    - periods count from the due date (LEGAL.md Part A §9), not from "knowledge of the facts" (C. civ. 2224);
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
