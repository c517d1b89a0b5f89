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

Credit notes (avoirs) correct the invoice itself: the credited part was never owed, so it is taken off the
principal from the start and no penalty ever runs on it (the décompte never claims interest on an amount the
creditor cancelled). A credit note is never imputed on interest; only those issued up to ``as_of`` count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from notice_service.domain.credit_notes import CreditNote, credits_by_invoice
from notice_service.domain.interest import (
    DayCount,
    InterestPeriod,
    RateBasis,
    accrue,
    interest_start,
    rate_basis,
    recovery_indemnity,
)
from notice_service.domain.money import ZERO, quantize_cents
from notice_service.domain.plan_suspension import suspension
from notice_service.domain.rates import RateTables
from notice_service.domain.statement_inputs import Imputation as Imputation
from notice_service.domain.statement_inputs import Invoice as Invoice
from notice_service.domain.statement_inputs import Payment as Payment
from notice_service.domain.statement_inputs import StatementTerms as StatementTerms
from notice_service.domain.statement_inputs import validate_inputs


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
    credited: Decimal = ZERO
    credit_notes: tuple[CreditNote, ...] = ()
    basis: RateBasis | None = None
    """The rate basis of this invoice's interest (contract, L441-10 default or legal rate)."""


@dataclass(frozen=True)
class Statement:
    """The décompte at ``as_of``: ``total = principal + interest + indemnities − paid − credited``.

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
    credited: Decimal = ZERO


@dataclass(frozen=True)
class _Context:
    tables: RateTables
    basis: RateBasis
    day_count: DayCount
    imputation: Imputation
    interest_until: date | None = None
    suspended: tuple[date, date] | None = None
    """The days of a kept payment plan (``domain/plan_suspension.py``), on which no interest accrues."""


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
    invoices: Sequence[Invoice],
    payments: Sequence[Payment],
    *,
    terms: StatementTerms,
    tables: RateTables,
    credit_notes: Sequence[CreditNote] = (),
) -> Statement:
    """The décompte at ``terms.as_of`` (C. com. L441-10 and D441-5 for B2B, C. civ. 1231-6 for B2C, imputation
    C. civ. 1342-10 and 1343-1; see the module docstring for the rounding points).

    Payments are imputed in date order (input order for the same date): on the invoice they name, the
    excess and unnamed payments on the invoice with the oldest due date first (LEGAL.md Part A §6). Within
    an invoice, interest then principal (or the reverse with ``PRINCIPAL_FIRST``). Interest runs on the
    principal still due, so a partial payment splits the periods and a full payment of the principal stops
    them. Payments are never imputed on the 40 EUR indemnity, which stays due.

    ``credit_notes`` lower each invoice's principal from the start (module docstring).

    Raises ``InvalidInput`` naming each bad field, ``RateUnknown`` when a half-year's rate is not in
    ``tables``.
    """
    validate_inputs(invoices, payments, terms, credit_notes)
    credits = credits_by_invoice([i.id for i in invoices], credit_notes)
    context = _context(terms, tables, payments)
    accounts = {
        invoice.id: _opened(
            invoice,
            interest_start(terms.debtor_kind, invoice.due_date, terms.notice_received_on),
            credits,
            _invoice_basis(invoice, terms, context.basis),
        )
        for invoice in sorted(invoices, key=lambda i: (i.due_date, i.issue_date, i.number, i.id))
    }
    unallocated = _impute_all(accounts, payments, context)
    lines = tuple(_line(_close(accounts[i.id], terms.as_of, context), terms, credits[i.id]) for i in invoices)
    return _statement(terms.as_of, lines, sum((p.amount for p in payments), ZERO), unallocated)


def _impute_all(accounts: dict[str, _Account], payments: Sequence[Payment], context: _Context) -> Decimal:
    """Impute ``payments`` in date order on ``accounts`` (updated in place): the named invoice first, then the
    others in ``accounts``' order; answers what no invoice could take (unallocated)."""
    unallocated = ZERO
    for index, payment in sorted(enumerate(payments), key=lambda item: (item[1].paid_on, item[0])):
        rest = payment.amount
        named = [payment.invoice_id] if payment.invoice_id is not None else []
        for invoice_id in [*named, *(key for key in accounts if key not in named)]:
            if rest > ZERO:
                accounts[invoice_id], rest = _impute(accounts[invoice_id], index, payment.paid_on, rest, context)
        unallocated += rest
    return unallocated


def _opened(
    invoice: Invoice, start: date | None, credits: dict[str, tuple[CreditNote, ...]], basis: RateBasis
) -> _Account:
    """The invoice's account before any payment: its principal net of its credit notes, at its rate basis; an
    invoice credited in full owes nothing, so no interest runs and it counts as settled on its due date (no
    indemnity)."""
    principal = invoice.amount - sum((note.amount for note in credits[invoice.id]), ZERO)
    if principal == ZERO:
        return _Account(invoice, None, principal, settled_on=invoice.due_date, basis=basis)
    return _Account(invoice, start, principal, basis=basis)


def _context(terms: StatementTerms, tables: RateTables, payments: Sequence[Payment]) -> _Context:
    """What accrual needs: the rates, the rate basis, the day count, the imputation, the arrêté and the days a
    payment plan suspends interest on."""
    basis = rate_basis(terms.debtor_kind, terms.contractual_rate, terms.creditor_is_professional)
    paid = [(p.paid_on, p.amount) for p in payments]
    suspended = suspension(terms.plan, paid, terms.debtor_kind, terms.as_of)
    return _Context(tables, basis, terms.day_count, terms.imputation, terms.interest_until, suspended)


def _invoice_basis(invoice: Invoice, terms: StatementTerms, default: RateBasis) -> RateBasis:
    """The invoice's own contractual rate when it has one (B2B only, ``rate_basis`` refuses it for a
    consumer), else the statement's basis."""
    if invoice.contractual_rate is None:
        return default
    return rate_basis(terms.debtor_kind, invoice.contractual_rate, terms.creditor_is_professional)


def _accrue_through(account: _Account, last_day: date, context: _Context) -> _Account:
    """Accrue interest on the principal still due up to ``last_day`` included (unrounded), never past the
    arrêté (``interest_until``)."""
    if context.interest_until is not None:
        last_day = min(last_day, context.interest_until)
    if account.next_day is None or last_day < account.next_day:
        return account
    periods: tuple[InterestPeriod, ...] = ()
    for first, last in _running(account.next_day, last_day, context.suspended):
        basis = account.basis or context.basis
        accrued = accrue(
            account.principal, first, last, basis=basis, tables=context.tables, day_count=context.day_count
        )
        periods += tuple(accrued)
    pending = account.pending + sum((period.amount for period in periods), ZERO)
    return replace(account, next_day=last_day + timedelta(days=1), pending=pending, periods=account.periods + periods)


def _running(first: date, last: date, suspended: tuple[date, date] | None) -> list[tuple[date, date]]:
    """The runs of days from ``first`` to ``last`` on which interest accrues: all of them, minus a plan's."""
    if suspended is None or suspended[1] < first or last < suspended[0]:
        return [(first, last)]
    one = timedelta(days=1)
    runs = [(first, suspended[0] - one), (suspended[1] + one, last)]
    return [(start, end) for start, end in runs if start <= end and first <= start and end <= last]


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


def _line(account: _Account, terms: StatementTerms, credit_notes: tuple[CreditNote, ...]) -> StatementLine:
    invoice = account.invoice
    paid = sum((i.to_interest + i.to_principal for i in account.imputations), ZERO)
    credited = sum((note.amount for note in credit_notes), ZERO)
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
        balance=cents(invoice.amount + account.interest_charged + indemnity - paid - credited),
        credited=cents(credited),
        credit_notes=credit_notes,
        basis=account.basis,
    )


def _statement(as_of: date, lines: tuple[StatementLine, ...], paid: Decimal, unallocated: Decimal) -> Statement:
    principal = sum((line.amount for line in lines), ZERO)
    interest = sum((line.interest for line in lines), ZERO)
    indemnities = sum((line.indemnity for line in lines), ZERO)
    credited = sum((line.credited for line in lines), ZERO)
    return Statement(
        as_of=as_of,
        lines=lines,
        principal=principal,
        interest=interest,
        indemnities=indemnities,
        paid=quantize_cents(paid),
        unallocated=quantize_cents(unallocated),
        total=quantize_cents(principal + interest + indemnities - paid - credited),
        credited=credited,
    )
