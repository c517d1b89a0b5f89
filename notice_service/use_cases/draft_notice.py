"""Drafting a notice: freeze the letter's data and décompte, render a preview PDF, record the draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from notice_service.db import audit_repository
from notice_service.db.models import Case, Debtor, Notice, Tenant
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import FieldError, InvalidInput
from notice_service.letter_catalogue import KINDS, variant_for
from notice_service.ports import LetterRequest
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.case_statement import (
    compute_case_statement,
    load_case_invoices,
    load_payments,
    statement_terms,
)
from notice_service.use_cases.letter_context import build_letter_data, thaw
from notice_service.use_cases.official_rates import current_rate_tables

PARIS = ZoneInfo("Europe/Paris")
LETTER_TITLES = {"formal_notice": "Mise en demeure de payer"}


@dataclass(frozen=True)
class DraftRequest:
    case_id: str
    kind: str
    as_of: date
    options: dict[str, Any] = field(default_factory=dict)


def _validated_options(request: DraftRequest, today: date) -> dict[str, Any]:
    errors = []
    if request.kind not in KINDS:
        errors.append(FieldError("kind", f"supported kinds: {', '.join(KINDS)}"))
    if request.as_of > today:
        errors.append(FieldError("as_of", "the décompte cannot run to a future date"))
    deadline_days = request.options.get("deadline_days", 8)
    if isinstance(deadline_days, bool) or not isinstance(deadline_days, int) or not 1 <= deadline_days <= 60:
        errors.append(FieldError("deadline_days", "a whole number of days between 1 and 60 (8 is usual)"))
    unknown = sorted(set(request.options) - {"deadline_days"})
    errors.extend(FieldError(name, "unknown option for this kind") for name in unknown)
    if errors:
        raise InvalidInput("The notice cannot be drafted.", errors=errors)
    return {"deadline_days": deadline_days}


LETTER_PROFILE_FIELDS = ("legal_form", "rcs_city", "address_lines", "postal_code", "city", "signatory_name", "place")


def check_letter_profile(tenant: Tenant) -> None:
    """A letter needs the creditor's identification (C. com. R123-237) and a signatory: refuse early, by name."""
    missing = [name for name in LETTER_PROFILE_FIELDS if not tenant.profile.get(name)]
    if missing:
        raise InvalidInput(
            "The creditor's profile lacks what a letter must carry; complete it with "
            "`notice-service tenants update TENANT_ID --profile-json '{...}'`.",
            errors=[FieldError(f"tenant.profile.{name}", "required on every letter") for name in missing],
        )


def draft_notice(services: Services, actor: Actor, request: DraftRequest) -> str:
    today = services.clock.now().astimezone(PARIS).date()
    options = _validated_options(request, today)
    notice_id = new_id()
    tables = current_rate_tables(services)
    with services.db.reading() as session:
        case = get_owned(session, Case, actor.tenant_id, request.case_id)
        debtor = get_owned(session, Debtor, actor.tenant_id, case.debtor_id)
        tenant = session.get_one(Tenant, actor.tenant_id)
        check_letter_profile(tenant)
        invoices = load_case_invoices(session, case.id)
        payments = load_payments(session, [invoice.id for invoice in invoices], request.as_of)
        terms = statement_terms(debtor.kind, request.as_of, tenant.profile)
        statement = compute_case_statement(invoices, payments, terms, tables)
        letter_data = build_letter_data(
            tenant=tenant,
            debtor=debtor,
            case=case,
            notice_id=notice_id,
            kind=request.kind,
            as_of=request.as_of,
            today=today,
            deadline_days=options["deadline_days"],
            statement=statement,
        )
    variant = variant_for(request.kind, debtor.kind)
    rendered = services.renderer.render(
        LetterRequest(
            kind=request.kind,
            variant=variant,
            context=thaw(letter_data, development_certificate=services.development_signing),
            title=LETTER_TITLES[request.kind],
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
                case_id=case.id,
                kind=request.kind,
                variant=variant,
                status="draft",
                as_of=request.as_of,
                options=options,
                letter_data=letter_data,
                statement=statement,
                template_digest=rendered.template_digest,
                preview_key=preview.key,
                created_at=now,
            )
        )
        session.flush()
        record = actor.record(
            "notice:drafted",
            "notice",
            notice_id,
            data={
                "case_id": case.id,
                "kind": request.kind,
                "as_of": request.as_of.isoformat(),
                "total": statement["total"],
            },
        )
        audit_repository.append(session, actor.tenant_id, [record], now)
    return notice_id
