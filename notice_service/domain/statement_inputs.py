"""The décompte's inputs: invoices, payments, the terms of the statement and the imputation order, and the
one check that refuses bad ones before anything is computed (every bad field named at once).

``domain.statement`` computes the décompte from them (and re-exports them: import them from there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from notice_service.domain.credit_notes import CreditNote, credit_errors
from notice_service.domain.interest import ContractualTerm, DayCount, DebtorKind
from notice_service.domain.money import ZERO, has_cents_precision
from notice_service.domain.plan_suspension import PaymentPlan
from notice_service.errors import FieldError, InvalidInput


class Imputation(StrEnum):
    """Order in which a payment settles an invoice (tenant setting, LEGAL.md Part A §6)."""

    INTEREST_FIRST = "interest_first"
    """C. civ. 1343-1: a partial payment goes to interest first, then principal (the default)."""
    PRINCIPAL_FIRST = "principal_first"
    """Tenant option: principal first, interest with what is left."""


@dataclass(frozen=True)
class Invoice:
    """An unpaid or late invoice; ``amount`` is TTC, the base of L441-10 penalties. ``contractual_rate`` is
    the invoice's own contract rate (a percentage or ``THREE_TIMES_LEGAL``); ``None`` takes the terms' one."""

    id: str
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    contractual_rate: ContractualTerm | None = None


@dataclass(frozen=True)
class Payment:
    """Money received on ``paid_on`` (funds available to the creditor); ``invoice_id`` when it names one."""

    amount: Decimal
    paid_on: date
    invoice_id: str | None = None


@dataclass(frozen=True)
class StatementTerms:
    """Everything besides invoices, payments and rates that a décompte depends on.

    ``notice_received_on`` (receipt of the mise en demeure, LEGAL.md Part A §7) starts B2C interest and is
    ignored for B2B, whose penalties run without any reminder. ``creditor_is_professional`` picks the legal
    rate column for B2C interest.
    """

    debtor_kind: DebtorKind
    as_of: date
    day_count: DayCount = DayCount.ACTUAL_365
    imputation: Imputation = Imputation.INTEREST_FIRST
    contractual_rate: ContractualTerm | None = None
    notice_received_on: date | None = None
    creditor_is_professional: bool = True
    #: The arrêté (``domain/arrete.py``): interest accrues up to this day at the latest, payments after it
    #: are still imputed (on the interest accrued up to it, then principal). ``None``: up to ``as_of``.
    interest_until: date | None = None
    #: The case's latest issued payment plan (``domain/plan_suspension.py``): no interest while it is kept.
    plan: PaymentPlan | None = None


def validate_inputs(
    invoices: Sequence[Invoice], payments: Sequence[Payment], terms: StatementTerms, credits: Sequence[CreditNote]
) -> None:
    """Raise one ``InvalidInput`` listing every bad field (ARCHITECTURE.md invariant 7)."""
    errors = [*_invoice_errors(invoices, terms), *_payment_errors(payments, invoices, terms)]
    errors += credit_errors(credits, [(i.id, i.amount) for i in invoices], terms.as_of)
    received = terms.notice_received_on
    if received is not None and received > terms.as_of:
        errors.append(FieldError("notice_received_on", "the mise en demeure cannot be received after as_of"))
    if errors:
        raise InvalidInput("The invoices or payments cannot be used for a statement.", errors=errors)


def _invoice_errors(invoices: Sequence[Invoice], terms: StatementTerms) -> list[FieldError]:
    if not invoices:
        return [FieldError("invoices", "a statement needs at least one invoice")]
    errors, seen = [], set()
    for index, invoice in enumerate(invoices):
        where = f"invoices.{index}"
        if invoice.id in seen:
            errors.append(FieldError(f"{where}.id", f"invoice {invoice.id!r} appears twice"))
        seen.add(invoice.id)
        if not _is_positive_cents(invoice.amount):
            errors.append(FieldError(f"{where}.amount", "must be a positive amount in euros with at most 2 decimals"))
        if invoice.due_date < invoice.issue_date:
            errors.append(FieldError(f"{where}.due_date", "must not be before the issue date"))
        if invoice.issue_date > terms.as_of:
            errors.append(FieldError(f"{where}.issue_date", "must not be after as_of"))
    return errors


def _payment_errors(
    payments: Sequence[Payment], invoices: Sequence[Invoice], terms: StatementTerms
) -> list[FieldError]:
    ids = {invoice.id for invoice in invoices}
    errors = []
    for index, payment in enumerate(payments):
        where = f"payments.{index}"
        if not _is_positive_cents(payment.amount):
            errors.append(FieldError(f"{where}.amount", "must be a positive amount in euros with at most 2 decimals"))
        if payment.paid_on > terms.as_of:
            errors.append(FieldError(f"{where}.paid_on", "a payment after as_of cannot be in this statement"))
        if payment.invoice_id is not None and payment.invoice_id not in ids:
            errors.append(FieldError(f"{where}.invoice_id", f"no invoice {payment.invoice_id!r} in this statement"))
    return errors


def _is_positive_cents(amount: Decimal) -> bool:
    return has_cents_precision(amount) and amount > ZERO
