"""The README's letter samples, computed by the real engine (issue 12 finding 15): the invoices, payment,
décompte, interest periods and payment plan of every sample letter come from ``compute_case_statement`` on the
shipped rate tables and from ``build_letter_data`` / ``thaw``, as a real draft's do, so the pictures cannot show
figures the service would not produce (B2C interest before any mise en demeure, instalments that do not sum
to the total, a rate the tables do not know).

The sample case: two invoices (1 234,56 € due 31 December 2025; 800,00 € due 4 February 2026, 300,00 € paid on
20 February 2026), the décompte at 29 May 2026, inside the half-year whose rates the shipped tables confirm.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor, Invoice, Payment
from notice_service.db.models.tenants import Tenant
from notice_service.rate_data import load_rate_tables
from notice_service.use_cases.cases.statement import compute_case_statement, statement_terms, without_interest
from notice_service.use_cases.notices.letter_context import LetterFacts, build_letter_data, thaw

AS_OF = date(2026, 5, 29)
LETTER_DATE = date(2026, 6, 1)
PLAN_DATES = (date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31))
_CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def _invoices(kind: str) -> tuple[list[Invoice], list[Payment]]:
    """The sample invoices; a pre-reminder's second invoice is not due yet at the décompte date."""
    second_due = date(2026, 6, 15) if kind == "pre_reminder" else date(2026, 2, 4)
    invoices = [
        Invoice(id="i1", number="F-2025-0101", issue_date=date(2025, 12, 1), due_date=date(2025, 12, 31),
                amount_due=Decimal("1234.56"), contractual_rate=None, penalty_clause=None),
        Invoice(id="i2", number="F-2026-0142", issue_date=date(2026, 1, 5), due_date=second_due,
                amount_due=Decimal("800.00"), contractual_rate=None, penalty_clause=None),
    ]  # fmt: skip
    payments = [Payment(id="p1", invoice_id="i2", amount=Decimal("300.00"), paid_on=date(2026, 2, 20))]
    return invoices, payments


def installments(total: Decimal) -> list[dict[str, Any]]:
    """Three monthly instalments summing exactly to ``total`` (the last one takes the cents)."""
    third = (total / 3).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    amounts = [third, third, total - 2 * third]
    return [{"due_date": d.isoformat(), "amount": format(a, "f")} for d, a in zip(PLAN_DATES, amounts, strict=True)]


def engine_statement(kind: str, debtor_kind: str) -> dict[str, Any]:
    """The sample décompte as the service computes it (JSON form): no mise en demeure received, so a consumer
    owes no interest yet; a pre-reminder claims none."""
    invoices, payments = _invoices(kind)
    terms = statement_terms(debtor_kind, AS_OF, {})
    statement = compute_case_statement(invoices, payments, terms, load_rate_tables())
    return without_interest(statement) if kind == "pre_reminder" else statement


def engine_context(kind: str, variant: str, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` (the renderer contract's sample parties) with the engine's invoices, décompte, plan and consumer
    information, thawed for the templates exactly as a draft is."""
    debtor_kind = base["debtor"]["kind"]
    statement = engine_statement(kind, debtor_kind)
    plan = installments(Decimal(statement["total"])) if kind == "payment_plan" else []
    profile = {"mediator_name": "CM2C", "mediator_url": "https://www.cm2c.net", "email": base["creditor"]["email"]}
    tenant = Tenant(id="t", name=base["creditor"]["name"], siren="552100554", profile=profile, created_at=_CREATED)
    debtor = Debtor(id="d", tenant_id="t", kind=debtor_kind, name=base["debtor"]["name"], siren=None,
                    address_lines=base["debtor"]["address_lines"], postal_code=base["debtor"]["postal_code"],
                    city=base["debtor"]["city"], country="FR", email=None, created_at=_CREATED)  # fmt: skip
    case = Case(id="c", tenant_id="t", debtor_id="d", reference=base["notice"]["reference"])
    principal = base.get("agency", {}) and base["agency"]["principal"]
    facts = LetterFacts("N-2026-000123", kind, AS_OF, LETTER_DATE, {"installments": plan}, statement, [], principal)
    data = thaw(build_letter_data(tenant=tenant, debtor=debtor, case=case, facts=facts), development_certificate=False)
    notice = {**base["notice"], "as_of": AS_OF, "date": LETTER_DATE}
    keys = ("invoices", "statement", "installments", "consumer_info")
    return {**base, **{key: data[key] for key in keys}, "notice": notice}
