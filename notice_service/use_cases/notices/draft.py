"""Drafting a notice: check the kind fits the case, freeze the letter's data and décompte, render a preview
PDF, record the draft.

What each kind needs from the case (refused with ``invalid-input`` naming the field otherwise):
``pre_reminder`` goes out before the due date, so at least one invoice must not be past due yet (and it
carries no interest); ``reminder``, ``second_reminder`` and ``formal_notice`` need an invoice past due;
``second_reminder`` cites an issued ``reminder``; ``payment_plan`` needs instalments summing to the décompte's
total. A tenant whose profile says ``"collection_agency": true`` collects for others: its mise en demeure is
the ``agency_*`` variant (CPCE R124-4) and needs the principal creditor, given as the ``principal_creditor``
option or taken from the case's latest notice that named one (the principal creditor belongs to the case);
its other kinds have no agency variant yet and are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.cases import Case
from notice_service.db.models.claims import Debtor, Invoice
from notice_service.db.models.notices import Notice
from notice_service.db.models.tenants import Tenant
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.deadlines import PARIS
from notice_service.domain.iban import bic_problem, iban_problem
from notice_service.domain.installments import Installment, installment_problems
from notice_service.domain.interest import DebtorKind
from notice_service.domain.verification_codes import new_code
from notice_service.errors import CaseClosed, FieldError, InvalidInput
from notice_service.letter_catalogue import TITLES, variant_for
from notice_service.ports import LetterRequest
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.cases.plan_terms import load_payment_plan
from notice_service.use_cases.cases.statement import (
    compute_case_statement,
    first_receipt,
    load_case_invoices,
    load_credit_notes,
    load_payments,
    statement_terms,
    without_interest,
)
from notice_service.use_cases.notices.letter_context import LetterFacts, build_letter_data, thaw
from notice_service.use_cases.notices.letter_options import validated_options
from notice_service.use_cases.notices.verification import verification_block
from notice_service.use_cases.official_rates import current_rate_tables

LETTER_TITLES = TITLES
LETTER_PROFILE_FIELDS = ("legal_form", "rcs_city", "address_lines", "postal_code", "city", "signatory_name", "place")


@dataclass(frozen=True)
class DraftRequest:
    case_id: str
    kind: str
    as_of: date
    options: dict[str, Any] = field(default_factory=dict)
    interest_until: str | None = None  # "last_confirmed": the arrêté (domain/arrete.py)


def refuse_closed(case: Case) -> None:
    """A closed case takes no new letter (``case-closed``, 409) until it is reopened."""
    if case.status == "closed":
        raise CaseClosed(
            f"The case is closed ({case.closed_reason}): reopen it (POST /v1/cases/{case.id}/reopen) before "
            "drafting or issuing a letter.",
            extra={"closed_reason": case.closed_reason},
        )


def check_letter_profile(tenant: Tenant, debtor_kind: str = "business") -> None:
    """A letter needs the creditor's identification (C. com. R123-237), a signatory, and bank details that are
    valid when given (IBAN mod 97, BIC format); a creditor's letter to a consumer names its médiateur de la
    consommation (C. conso. L612-1, R616-1; a collection agency's names its client's, when given): refuse
    early, by field name."""
    profile = tenant.profile
    errors = [
        FieldError(f"tenant.profile.{name}", "required on every letter")
        for name in LETTER_PROFILE_FIELDS
        if not profile.get(name)
    ]
    if debtor_kind == "consumer" and not profile.get("collection_agency"):
        errors += [
            FieldError(f"tenant.profile.{name}", "required on a letter to a consumer (C. conso. L612-1, R616-1)")
            for name in ("mediator_name", "mediator_url")
            if not profile.get(name)
        ]
    for name, check in (("iban", iban_problem), ("bic", bic_problem)):
        problem = check(str(profile[name])) if profile.get(name) else None
        if problem:
            errors.append(FieldError(f"tenant.profile.{name}", problem))
    if errors:
        raise InvalidInput(
            "The creditor's profile lacks what a letter must carry; complete it with "
            "`notice-service tenants update TENANT_ID --profile-json '{...}'`.",
            errors=errors,
        )


def earlier_letters(session: Session, case_id: str) -> list[dict[str, Any]]:
    """The case's issued letters, oldest first, as the later letters cite them (kind, title, date, id)."""
    rows = session.execute(
        select(Notice).where(Notice.case_id == case_id, Notice.issued_at.is_not(None)).order_by(Notice.issued_at)
    ).scalars()
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "title": TITLES.get(row.kind, row.kind),
            "date": row.letter_data["notice"]["date"],
        }
        for row in rows
    ]


def _case_principal(session: Session, case_id: str) -> dict[str, Any] | None:
    """The principal creditor the case's latest notice named (a collection agency's client)."""
    rows = session.execute(
        select(Notice.letter_data).where(Notice.case_id == case_id).order_by(Notice.created_at.desc())
    ).scalars()
    for letter_data in rows:
        if (letter_data.get("agency") or {}).get("principal"):
            return dict(letter_data["agency"]["principal"])
    return None


def _sequence_errors(
    kind: str, invoices: list[Invoice], earlier: list[dict[str, Any]], today: date
) -> list[FieldError]:
    past_due = [invoice for invoice in invoices if invoice.due_date < today]
    if kind == "pre_reminder" and len(past_due) == len(invoices):
        return [FieldError("kind", "every invoice is already past due: send a reminder, not a pre_reminder")]
    if kind in ("reminder", "second_reminder", "formal_notice") and not past_due:
        return [FieldError("kind", "no invoice of the case is past due yet: send a pre_reminder")]
    if kind == "second_reminder" and not any(letter["kind"] == "reminder" for letter in earlier):
        return [FieldError("kind", "a second reminder cites the first: issue a reminder first")]
    return []


@dataclass(frozen=True)
class _Draft:
    case: Case
    variant: str
    options: dict[str, Any]
    statement: dict[str, Any]
    letter_data: dict[str, Any]


def _agency_principal(session: Session, case: Case, options: dict[str, Any]) -> dict[str, Any]:
    principal = options.get("principal_creditor") or _case_principal(session, case.id)
    if principal is None:
        raise InvalidInput(
            "A collection agency's mise en demeure names the creditor it collects for (CPCE R124-4 2°).",
            errors=[FieldError("principal_creditor", "required: the case has no principal creditor yet")],
        )
    return principal


def _checked_options(request: DraftRequest, tenant: Tenant, today: date) -> dict[str, Any]:
    options, errors = validated_options(request.kind, request.options, tenant.profile)
    if request.as_of > today:
        errors.append(FieldError("as_of", "the décompte cannot run to a future date"))
    if tenant.profile.get("collection_agency") and request.kind != "formal_notice":
        errors.append(FieldError("kind", "a collection agency's letters need the R124-4 mentions: formal_notice only"))
    if errors:
        raise InvalidInput("The notice cannot be drafted.", errors=errors)
    return options


def _statement(
    session: Session, request: DraftRequest, debtor: Debtor, tenant: Tenant, invoices: list[Invoice], services: Services
) -> dict[str, Any]:
    ids = [invoice.id for invoice in invoices]
    payments = load_payments(session, ids, request.as_of)
    credits = load_credit_notes(session, ids, request.as_of)
    terms = statement_terms(debtor.kind, request.as_of, tenant.profile)
    if terms.debtor_kind is DebtorKind.CONSUMER:
        terms = replace(terms, notice_received_on=first_receipt(session, request.case_id, request.as_of))
    terms = replace(terms, plan=load_payment_plan(session, request.case_id, request.as_of))
    statement = compute_case_statement(
        invoices,
        payments,
        terms,
        current_rate_tables(services),
        credits,
        request.interest_until,
        penalty_clause=tenant.profile.get("penalty_clause"),
    )
    return without_interest(statement) if request.kind == "pre_reminder" else statement


def _check_plan(options: dict[str, Any], statement: dict[str, Any], today: date) -> None:
    if "installments" not in options:
        return
    plan = [Installment(date.fromisoformat(i["due_date"]), Decimal(i["amount"])) for i in options["installments"]]
    problems = installment_problems(plan, Decimal(statement["total"]), today)
    if problems:
        raise InvalidInput("The payment plan cannot be proposed.", errors=[FieldError(*p) for p in problems])


def _prepare(services: Services, actor: Actor, request: DraftRequest, ids: tuple[str, str], today: date) -> _Draft:
    notice_id, code = ids
    with services.db.reading() as session:
        case = get_owned(session, Case, actor.tenant_id, request.case_id)
        refuse_closed(case)
        debtor = get_owned(session, Debtor, actor.tenant_id, case.debtor_id)
        tenant = session.get_one(Tenant, actor.tenant_id)
        check_letter_profile(tenant, debtor.kind)
        options = _checked_options(request, tenant, today)
        invoices = load_case_invoices(session, case.id)
        earlier = earlier_letters(session, case.id)
        errors = _sequence_errors(request.kind, invoices, earlier, today)
        if errors:
            raise InvalidInput("This kind of letter does not fit the case now.", errors=errors)
        statement = _statement(session, request, debtor, tenant, invoices, services)
        _check_plan(options, statement, today)
        agency = bool(tenant.profile.get("collection_agency"))
        variant = variant_for(request.kind, debtor.kind, collection_agency=agency)
        principal = _agency_principal(session, case, options) if variant.startswith("agency_") else None
        facts = LetterFacts(notice_id, request.kind, request.as_of, today, options, statement, earlier, principal)
        facts = replace(facts, verification=verification_block(services, code))
        letter_data = build_letter_data(tenant=tenant, debtor=debtor, case=case, facts=facts)
    return _Draft(case, variant, options, statement, letter_data)


def draft_notice(services: Services, actor: Actor, request: DraftRequest) -> str:
    today = services.clock.now().astimezone(PARIS).date()
    notice_id, code = new_id(), new_code()
    draft = _prepare(services, actor, request, (notice_id, code), today)
    rendered = services.renderer.render(
        LetterRequest(
            kind=request.kind,
            variant=draft.variant,
            context=thaw(draft.letter_data, development_certificate=services.development_signing),
            title=TITLES[request.kind],
            preview=True,
        )
    )
    preview = services.store.put(rendered.pdf, content_type="application/pdf", document_class="preview")
    now = services.clock.now()
    with services.db.transaction() as session:
        session.add(
            Notice(
                id=notice_id,
                tenant_id=actor.tenant_id,
                case_id=draft.case.id,
                kind=request.kind,
                variant=draft.variant,
                status="draft",
                as_of=request.as_of,
                options=draft.options,
                letter_data=draft.letter_data,
                statement=draft.statement,
                template_digest=rendered.template_digest,
                preview_key=preview.key,
                created_at=now,
                verification_code=code,
            )
        )
        session.flush()
        data = {"case_id": draft.case.id, "kind": request.kind, "as_of": request.as_of.isoformat()}
        record = actor.record("notice:drafted", "notice", notice_id, data={**data, "total": draft.statement["total"]})
        audit_repository.append(session, actor.tenant_id, [record], now)
    return notice_id
