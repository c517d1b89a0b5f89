"""The décompte: what a debtor owes on a set of invoices at a date, invoice by invoice.

Principal, payments and their imputation (C. civ. 1342-10, 1343-1), interest periods (C. com. L441-10 for a
professional debtor, C. civ. 1231-6 for a consumer, see ``interest``), the 40 EUR indemnity per invoice paid
late (C. com. D441-5), and the totals. This is the breakdown CPC 1407 requires in a requête en injonction de
payer and LEGAL.md Part B §1.3 item 5 in a mise en demeure.

Rounding points (every input amount is in cents, so all other arithmetic is exact):

1. Interest is accrued unrounded, period by period. The interest accrued since the previous rounding point is
   rounded half-up to the cent (a) when a payment is imputed on interest, since a payment in cents cannot
   settle a fraction of a cent, and (b) at ``as_of``. Without payments imputed on interest this is exactly
   the single rounding per invoice of LEGAL.md Part A §1.
2. ``InterestPeriod.display_amount`` rounds each period for display; it is never summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from notice_service.domain.interest import (
    ContractualTerm,
    DayCount,
    DebtorKind,
    InterestPeriod,
    RateBasis,
    accrue,
    interest_start,
    rate_basis,
    recovery_indemnity,
)
from notice_service.domain.money import ZERO, has_cents_precision, quantize_cents
from notice_service.domain.rates import RateTables
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


@dataclass(frozen=True)
class Imputed:
    """The part of payment number ``payment`` (its index in the input) imputed on one invoice."""

    payment: int
    paid_on: date
    to_interest: Decimal
    to_principal: Decimal


@dataclass(frozen=True)
class StatementLine:
    """One invoice of the décompte; every amount is in cents."""

    invoice_id: str
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    imputations: tuple[Imputed, ...]
    paid: Decimal
    principal_balance: Decimal
    periods: tuple[InterestPeriod, ...]
    interest: Decimal
    interest_paid: Decimal
    interest_balance: Decimal
    indemnity: Decimal
    balance: Decimal
    basis: RateBasis | None = None
    """The rate basis of this invoice's interest (contract, L441-10 default or legal rate)."""


@dataclass(frozen=True)
class Statement:
    """The décompte at ``as_of``: ``total = principal + interest + indemnities − paid``.

    ``unallocated`` is the part of the payments that exceeded everything invoiced (principal and interest);
    it is included in ``paid``, so it reduces ``total``.
    """

    as_of: date
    lines: tuple[StatementLine, ...]
    principal: Decimal
    interest: Decimal
    indemnities: Decimal
    paid: Decimal
    unallocated: Decimal
    total: Decimal


@dataclass(frozen=True)
class _Context:
    tables: RateTables
    basis: RateBasis
    day_count: DayCount
    imputation: Imputation


@dataclass(frozen=True)
class _Account:
    """One invoice while payments are imputed in date order (a value: each step returns a new one)."""

    invoice: Invoice
    next_day: date | None
    principal: Decimal
    pending: Decimal = ZERO
    interest_charged: Decimal = ZERO
    interest_paid: Decimal = ZERO
    periods: tuple[InterestPeriod, ...] = ()
    imputations: tuple[Imputed, ...] = ()
    settled_on: date | None = None
    basis: RateBasis | None = None

    @property
    def interest_due(self) -> Decimal:
        """Interest already rounded and not yet paid (cents)."""
        return self.interest_charged - self.interest_paid


def build_statement(
    invoices: Sequence[Invoice], payments: Sequence[Payment], *, terms: StatementTerms, tables: RateTables
) -> Statement:
    """The décompte at ``terms.as_of`` (C. com. L441-10 and D441-5 for B2B, C. civ. 1231-6 for B2C, imputation
    C. civ. 1342-10 and 1343-1; see the module docstring for the rounding points).

    Payments are imputed in date order (input order for the same date): on the invoice they name, the
    excess and unnamed payments on the invoice with the oldest due date first (LEGAL.md Part A §6). Within
    an invoice, interest then principal (or the reverse with ``PRINCIPAL_FIRST``). Interest runs on the
    principal still due, so a partial payment splits the periods and a full payment of the principal stops
    them. Payments are never imputed on the 40 EUR indemnity, which stays due.

    Raises ``InvalidInput`` naming each bad field, ``RateUnknown`` when a half-year's rate is not in
    ``tables``.
    """
    _validate(invoices, payments, terms)
    basis = rate_basis(terms.debtor_kind, terms.contractual_rate, terms.creditor_is_professional)
    context = _Context(tables, basis, terms.day_count, terms.imputation)
    accounts = {
        invoice.id: _Account(
            invoice,
            interest_start(terms.debtor_kind, invoice.due_date, terms.notice_received_on),
            invoice.amount,
            basis=_invoice_basis(invoice, terms, context.basis),
        )
        for invoice in sorted(invoices, key=lambda i: (i.due_date, i.issue_date, i.number, i.id))
    }
    unallocated = ZERO
    for index, payment in sorted(enumerate(payments), key=lambda item: (item[1].paid_on, item[0])):
        rest = payment.amount
        named = [payment.invoice_id] if payment.invoice_id is not None else []
        for invoice_id in [*named, *(key for key in accounts if key not in named)]:
            if rest > ZERO:
                accounts[invoice_id], rest = _impute(accounts[invoice_id], index, payment.paid_on, rest, context)
        unallocated += rest
    lines = tuple(_line(_close(accounts[i.id], terms.as_of, context), terms) for i in invoices)
    return _statement(terms.as_of, lines, sum((p.amount for p in payments), ZERO), unallocated)


def _invoice_basis(invoice: Invoice, terms: StatementTerms, default: RateBasis) -> RateBasis:
    """The invoice's own contractual rate when it has one (B2B only, ``rate_basis`` refuses it for a
    consumer), else the statement's basis."""
    if invoice.contractual_rate is None:
        return default
    return rate_basis(terms.debtor_kind, invoice.contractual_rate, terms.creditor_is_professional)


def _accrue_through(account: _Account, last_day: date, context: _Context) -> _Account:
    """Accrue interest on the principal still due up to ``last_day`` included (unrounded)."""
    if account.next_day is None or last_day < account.next_day:
        return account
    periods = accrue(
        account.principal,
        account.next_day,
        last_day,
        basis=account.basis or context.basis,
        tables=context.tables,
        day_count=context.day_count,
    )
    pending = account.pending + sum((period.amount for period in periods), ZERO)
    return replace(account, next_day=last_day + timedelta(days=1), pending=pending, periods=account.periods + periods)


def _round_interest(account: _Account) -> _Account:
    """Rounding point 1: the interest accrued since the last rounding point becomes a cent amount."""
    return replace(account, pending=ZERO, interest_charged=account.interest_charged + quantize_cents(account.pending))


def _impute(
    account: _Account, index: int, paid_on: date, amount: Decimal, context: _Context
) -> tuple[_Account, Decimal]:
    """Impute up to ``amount`` on ``account`` (C. civ. 1343-1 or the principal-first setting); returns the new
    account and what is left of the payment."""
    account = _accrue_through(account, paid_on, context)
    if context.imputation is Imputation.INTEREST_FIRST:
        account = _round_interest(account)
        to_interest = min(amount, account.interest_due)
        to_principal = min(amount - to_interest, account.principal)
    else:
        to_principal = min(amount, account.principal)
        if amount > to_principal:
            account = _round_interest(account)
        to_interest = min(amount - to_principal, account.interest_due)
    if to_interest == ZERO and to_principal == ZERO:
        return account, amount
    principal = account.principal - to_principal
    settled_on = account.settled_on or (paid_on if principal == ZERO else None)
    return replace(
        account,
        principal=principal,
        interest_paid=account.interest_paid + to_interest,
        imputations=(*account.imputations, Imputed(index, paid_on, to_interest, to_principal)),
        settled_on=settled_on,
    ), amount - to_interest - to_principal


def _close(account: _Account, as_of: date, context: _Context) -> _Account:
    """Accrue up to ``as_of`` and round what is pending (rounding point 1b)."""
    return _round_interest(_accrue_through(account, as_of, context))


def _line(account: _Account, terms: StatementTerms) -> StatementLine:
    invoice = account.invoice
    paid = sum((i.to_interest + i.to_principal for i in account.imputations), ZERO)
    indemnity = recovery_indemnity(terms.debtor_kind, invoice.due_date, account.settled_on, terms.as_of)
    cents = quantize_cents  # exact here: every amount below is already a sum of cent amounts
    return StatementLine(
        invoice_id=invoice.id,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        amount=cents(invoice.amount),
        imputations=tuple(
            replace(i, to_interest=cents(i.to_interest), to_principal=cents(i.to_principal))
            for i in account.imputations
        ),
        paid=cents(paid),
        principal_balance=cents(account.principal),
        periods=account.periods,
        interest=cents(account.interest_charged),
        interest_paid=cents(account.interest_paid),
        interest_balance=cents(account.interest_due),
        indemnity=indemnity,
        balance=cents(invoice.amount + account.interest_charged + indemnity - paid),
        basis=account.basis,
    )


def _statement(as_of: date, lines: tuple[StatementLine, ...], paid: Decimal, unallocated: Decimal) -> Statement:
    principal = sum((line.amount for line in lines), ZERO)
    interest = sum((line.interest for line in lines), ZERO)
    indemnities = sum((line.indemnity for line in lines), ZERO)
    return Statement(
        as_of=as_of,
        lines=lines,
        principal=principal,
        interest=interest,
        indemnities=indemnities,
        paid=quantize_cents(paid),
        unallocated=quantize_cents(unallocated),
        total=quantize_cents(principal + interest + indemnities - paid),
    )


def _validate(invoices: Sequence[Invoice], payments: Sequence[Payment], terms: StatementTerms) -> None:
    """Raise one ``InvalidInput`` listing every bad field (ARCHITECTURE.md invariant 7)."""
    errors = [*_invoice_errors(invoices, terms), *_payment_errors(payments, invoices, terms)]
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
