"""Interest during a payment plan (échéancier): when it stops and when it runs again, in a later décompte.

The service's plan letter (``letter_templates/payment_plan/``) is the contract the debtor accepts (C. civ.
1103: it binds as written), so the engine applies the letter's own words:

* **B2B** (``b2b.html.j2``): « Tant que l'échéancier est respecté, les pénalités de retard de l'article L441-10
  du Code de commerce sont suspendues sur les sommes ainsi échelonnées. À défaut de paiement d'une seule échéance
  à sa date, la totalité du solde restant dû deviendra immédiatement exigible, sans autre formalité, et les
  pénalités de retard courront à nouveau sur ce solde à compter du lendemain de l'échéance impayée. » Penalties
  stop the day after the plan's décompte date (its total, which the instalments settle, includes the interest up
  to that day) and, when an instalment is missed, run again from the day after it: **from the lapse, not
  retroactively from the original due dates** (the letter promises the suspension for as long as the plan was
  kept, and says "courront à nouveau … à compter du lendemain de l'échéance impayée").
* **B2C** (``b2c.html.j2``): a missed instalment makes the balance due only after a mise en demeure left without
  effect for thirty days from its receipt, « ce solde porterait alors intérêts au taux légal à compter de la
  réception de la mise en demeure (art. 1231-6 C. civ.) ». Interest stays suspended after a missed instalment
  until such a mise en demeure, received after the missed instalment, has gone thirty days without the shortfall
  being made good; it then runs from the day after its receipt (as ``interest.interest_start`` counts a receipt).
* This is the contractual counterpart of the judge's délai de grâce (C. civ. 1343-5 al. 4: « les majorations
  d'intérêts ou les pénalités prévues en cas de retard ne sont pas encourues pendant le délai fixé par le
  juge »), which the engine does not model (no judgment is recorded).
* **Acceptance.** The service does not record the signed « Bon pour accord » yet; a plan counts as accepted when
  its first instalment was paid in full by its date, a conduct that shows acceptance unequivocally (C. civ. 1113
  al. 2: « un comportement non équivoque de son auteur »). A plan whose first instalment was missed never
  suspended anything.
* An instalment is kept when the payments received after the plan's date, up to its due date, cover it and every
  earlier one (cumulative amounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from notice_service.domain.installments import Installment
from notice_service.domain.interest import DebtorKind
from notice_service.domain.money import ZERO

#: B2C: the delay a mise en demeure after a missed instalment leaves before the balance falls due (the letter).
CONSUMER_CURE_DAYS = 30


@dataclass(frozen=True)
class PaymentPlan:
    """An issued plan: the day its décompte was computed to, its instalments in date order, and the receipts of
    the case's mises en demeure (B2C: the one received after a missed instalment restarts interest)."""

    dated: date
    installments: tuple[Installment, ...]
    notice_receipts: tuple[date, ...] = ()


def _paid_between(payments: Sequence[tuple[date, Decimal]], after: date, through: date) -> Decimal:
    return sum((amount for day, amount in payments if after < day <= through), ZERO)


def first_missed(plan: PaymentPlan, payments: Sequence[tuple[date, Decimal]], as_of: date) -> Installment | None:
    """The first instalment due by ``as_of`` that the payments after the plan's date did not cover by its date
    (cumulatively with the earlier ones), or ``None`` while the plan is kept."""
    scheduled = ZERO
    for installment in plan.installments:
        if installment.due_date > as_of:
            return None
        scheduled += installment.amount
        if _paid_between(payments, plan.dated, installment.due_date) < scheduled:
            return installment
    return None


def _consumer_resumes(
    plan: PaymentPlan, payments: Sequence[tuple[date, Decimal]], missed: Installment, as_of: date
) -> date | None:
    """B2C: the receipt of the first mise en demeure after ``missed`` whose thirty days ran out by ``as_of``
    with the instalments then due still unpaid; ``None`` while there is none."""
    for receipt in sorted(day for day in plan.notice_receipts if day > missed.due_date):
        cured_by = receipt + timedelta(days=CONSUMER_CURE_DAYS)
        if cured_by > as_of:
            return None
        due = sum((i.amount for i in plan.installments if i.due_date <= cured_by), ZERO)
        if _paid_between(payments, plan.dated, cured_by) < due:
            return receipt
    return None


def suspension(
    plan: PaymentPlan | None, payments: Sequence[tuple[date, Decimal]], debtor_kind: DebtorKind, as_of: date
) -> tuple[date, date] | None:
    """The days (first, last, inclusive) on which no interest accrues because of ``plan``, or ``None`` (no plan,
    or a plan never accepted). ``payments``: (day, amount) of the payments on the plan's invoices."""
    if plan is None or not plan.installments or plan.dated >= as_of:
        return None
    first = plan.installments[0]
    if first.due_date <= as_of and _paid_between(payments, plan.dated, first.due_date) < first.amount:
        return None  # never accepted (C. civ. 1113 al. 2): the first instalment was missed
    start = plan.dated + timedelta(days=1)
    missed = first_missed(plan, payments, as_of)
    if missed is None:
        return start, as_of
    if debtor_kind is DebtorKind.BUSINESS:
        return start, missed.due_date  # penalties run again from the day after the missed instalment
    receipt = _consumer_resumes(plan, payments, missed, as_of)
    return (start, as_of) if receipt is None else (start, receipt)
