"""Creating a tenant: its row, its audit log (genesis record) and a first API key, in one transaction.

API keys are random 32-byte tokens shown once; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.tenants import ApiKey, Tenant
from notice_service.domain.api_scopes import ALL_SCOPES, decode, encode
from notice_service.domain.audit.records import JsonValue
from notice_service.domain.contract_rate import clause_problem, floor_problem, parse_term, term_json
from notice_service.domain.deadlines import PARIS
from notice_service.domain.iban import bic_problem, iban_problem
from notice_service.domain.rates import HalfYear, RateTables
from notice_service.domain.siren import normalise_siren, siren_problem
from notice_service.errors import FieldError, InvalidInput, NotFound, Unauthenticated
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.official_rates import current_rate_tables
from notice_service.use_cases.versions import check_if_match, etag_of

API_KEY_PREFIX = "nsk_"
LAST_USED_PRECISION = timedelta(minutes=1)

PROFILE_FIELDS = (
    "legal_form",
    "capital",
    "rcs_city",
    "vat_number",
    "address_lines",
    "postal_code",
    "city",
    "country",
    "email",
    "phone",
    "iban",
    "bic",
    "signatory_name",
    "signatory_role",
    "place",
    "day_count",
    "imputation",
    "tone",
    "collection_agency",
    "contractual_rate",
    "penalty_clause",
    "mediator_name",
    "mediator_url",
    "privacy_contact",
    "payment_plan_offer",
)


def profile_value_errors(profile: Mapping[str, object]) -> list[FieldError]:
    """Bank details must be valid (IBAN mod 97, BIC format), ``tone`` one of the letter tones and
    ``collection_agency`` a boolean (letters then carry the CPCE R124-4 mentions)."""
    errors = []
    for name, check in (("iban", iban_problem), ("bic", bic_problem)):
        value = profile.get(name)
        problem = check(value) if isinstance(value, str) else "a string" if value is not None else None
        if problem:
            errors.append(FieldError(f"profile.{name}", problem))
    if profile.get("tone") not in (None, "courteous", "firm"):
        errors.append(FieldError("profile.tone", "courteous or firm"))
    if not isinstance(profile.get("collection_agency", False), bool):
        errors.append(FieldError("profile.collection_agency", "true or false"))
    return errors + penalty_term_errors(profile) + consumer_info_errors(profile)


def consumer_info_errors(profile: Mapping[str, object]) -> list[FieldError]:
    """The médiateur de la consommation's name and website (an https:// or http:// address), the RGPD contact
    as text, and ``payment_plan_offer`` a boolean."""
    errors = []
    for name in ("mediator_name", "privacy_contact"):
        value = profile.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > 200):
            errors.append(FieldError(f"profile.{name}", "a text of 1 to 200 characters"))
    url = profile.get("mediator_url")
    if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 200):
        errors.append(FieldError("profile.mediator_url", "the mediator's website, e.g. https://www.cm2c.net"))
    if not isinstance(profile.get("payment_plan_offer", False), bool):
        errors.append(FieldError("profile.payment_plan_offer", "true or false"))
    return errors


def penalty_term_errors(profile: Mapping[str, object]) -> list[FieldError]:
    """``contractual_rate`` is a percentage or ``"3x_legal"``, ``penalty_clause`` the clause's text."""
    errors = []
    if profile.get("contractual_rate") is not None:
        try:
            parse_term(profile["contractual_rate"])
        except ValueError as exc:
            errors.append(FieldError("profile.contractual_rate", str(exc)))
    if profile.get("penalty_clause") is not None:
        problem = clause_problem(profile["penalty_clause"])
        if problem:
            errors.append(FieldError("profile.penalty_clause", problem))
    return errors


def _reference_half_year(tables: RateTables, today: date) -> HalfYear | None:
    """The current half-year, or the latest one whose taux légal is published when the current one is not."""
    known = [HalfYear(r.year, r.half) for r in tables.legal_rates if r.half is not None]
    return max((h for h in known if h <= HalfYear.of(today)), default=None)


def penalty_clause_errors(profile: Mapping[str, object], tables: RateTables, today: date) -> list[FieldError]:
    """A profile's CGV rate comes with its clause (printed in the letters) and is not under the L441-10 II floor
    of the current half-year (the latest published one if the current is not); every later half-year is
    checked again by the engine when it computes (``domain.contract_rate``)."""
    if profile.get("contractual_rate") is None:
        return []
    errors = []
    if profile.get("penalty_clause") is None:
        errors.append(FieldError("profile.penalty_clause", "give the text of the CGV clause that sets the rate"))
    reference = _reference_half_year(tables, today)
    term = parse_term(profile["contractual_rate"])
    problem = floor_problem(tables, term, [reference] if reference else [])
    if problem:
        errors.append(FieldError("profile.contractual_rate", problem))
    return errors


def _stored_profile(profile: Mapping[str, object]) -> dict[str, object]:
    """The profile as stored: a contractual rate is kept as a decimal string or ``"3x_legal"``."""
    stored = dict(profile)
    if stored.get("contractual_rate") is not None:
        stored["contractual_rate"] = term_json(parse_term(stored["contractual_rate"]))
    return stored


@dataclass(frozen=True)
class CreatedTenant:
    tenant_id: str
    api_key: str


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def _validate_tenant(name: str, siren: str, profile: Mapping[str, object], services: Services) -> None:
    """A registered name, a valid SIREN and a profile of known fields with valid values; else every error."""
    errors = []
    if not name.strip():
        errors.append(FieldError("name", "give the company's registered name (raison sociale)"))
    problem = siren_problem(siren)
    if problem:
        errors.append(FieldError("siren", problem))
    unknown = sorted(set(profile) - set(PROFILE_FIELDS))
    errors.extend(FieldError(f"profile.{key}", "unknown profile field") for key in unknown)
    errors.extend(profile_value_errors(profile))
    if not errors:
        today = services.clock.now().astimezone(PARIS).date()
        errors.extend(penalty_clause_errors(profile, current_rate_tables(services), today))
    if errors:
        raise InvalidInput("The tenant cannot be created.", errors=errors)


def _add_tenant_and_key(session: Session, tenant: Tenant, api_key: str, now: datetime) -> str:
    """The tenant's row, then its initial API key (only the key's hash is stored); answers the key's id."""
    session.add(tenant)
    session.flush()  # the tenant row must exist before rows that reference it
    key_id = new_id()
    session.add(
        ApiKey(
            id=key_id,
            tenant_id=tenant.id,
            key_hash=hash_api_key(api_key),
            label="initial",
            scopes=encode(ALL_SCOPES),
            created_at=now,
        )
    )
    session.flush()
    return key_id


def create_tenant(
    services: Services, *, name: str, siren: str, profile: Mapping[str, object] | None = None
) -> CreatedTenant:
    """A new tenant with its audit log (``tenant:created``, ``api_key:created``) and a first API key, shown once."""
    _validate_tenant(name, siren, profile or {}, services)
    tenant_id = new_id()
    api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    now = services.clock.now()
    operator = Actor(tenant_id, "operator", "cli")
    with services.db.transaction() as session:
        tenant = Tenant(
            id=tenant_id,
            name=name.strip(),
            siren=normalise_siren(siren),
            profile=_stored_profile(profile or {}),
            created_at=now,
        )
        key_id = _add_tenant_and_key(session, tenant, api_key, now)
        audit_repository.create_log(session, tenant_id, f"{services.settings.log_origin}/tenants/{tenant_id}")
        audit_repository.append(
            session,
            tenant_id,
            [
                operator.record("tenant:created", "tenant", tenant_id),
                operator.record("api_key:created", "api_key", key_id),
            ],
            now,
        )
    return CreatedTenant(tenant_id=tenant_id, api_key=api_key)


def tenant_json(tenant: Tenant) -> dict[str, Any]:
    """The tenant as ``GET /v1/tenant`` shows it (its ETag is computed on this)."""
    return {"id": tenant.id, "name": tenant.name, "siren": tenant.siren, "profile": dict(tenant.profile)}


def update_profile(
    services: Services,
    tenant_id: str,
    changes: Mapping[str, object],
    *,
    actor: Actor | None = None,
    if_match: str | None = None,
) -> dict[str, object]:
    """Merge ``changes`` into the tenant's creditor profile (a ``null`` removes a field); audited. Through the API
    (``actor`` given) the tenant's current ETag must be in ``if_match``; the operator's command needs none."""
    unknown = sorted(set(changes) - set(PROFILE_FIELDS))
    if unknown:
        raise InvalidInput(
            "Unknown profile fields.", errors=[FieldError(f"profile.{key}", "unknown profile field") for key in unknown]
        )
    value_errors = profile_value_errors(changes)
    if value_errors:
        raise InvalidInput("Invalid profile values.", errors=value_errors)
    now = services.clock.now()
    tables = current_rate_tables(services)
    with services.db.transaction() as session:
        tenant = session.get(Tenant, tenant_id, with_for_update=True)
        if tenant is None:
            raise NotFound(f"No tenant with id {tenant_id}.")
        if actor is not None:
            check_if_match(if_match, etag_of(tenant_json(tenant)))
        profile = {key: value for key, value in {**tenant.profile, **changes}.items() if value is not None}
        clause_errors = penalty_clause_errors(profile, tables, now.astimezone(PARIS).date())
        if clause_errors:
            raise InvalidInput("Invalid profile values.", errors=clause_errors)
        tenant.profile = _stored_profile(profile)
        who = actor or Actor(tenant_id, "operator", "cli")
        record = who.record(
            "tenant:profile_updated", "tenant", tenant_id, data={"fields": list[JsonValue](sorted(changes))}
        )
        audit_repository.append(session, tenant_id, [record], now)
        return dict(tenant.profile)


def live_keys(now: datetime) -> ColumnElement[bool]:
    """The SQL condition of the keys that still work at ``now``: neither revoked nor expired."""
    return ApiKey.revoked_at.is_(None) & or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now)


def expired_at(key: ApiKey, now: datetime) -> datetime | None:
    """When ``key`` expired, if it has by ``now``; ``None`` while it has not."""
    return key.expires_at if key.expires_at is not None and key.expires_at <= now else None


def authenticate(services: Services, api_key: str) -> Actor:
    """The actor behind a bearer API key, with the key's scopes; ``Unauthenticated`` when unknown, revoked or
    expired. The key is found by its SHA-256 (an index lookup on a digest of a random 32-byte secret). Its
    ``last_used_at`` is written at most once a minute (one guarded UPDATE), not on every request."""
    digest = hash_api_key(api_key)
    with services.db.reading() as session:
        row = session.execute(
            select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
        ).scalar_one_or_none()
    if row is None:
        raise Unauthenticated("The API key is unknown or revoked: send 'Authorization: Bearer <api key>'.")
    now = services.clock.now()
    if (expired := expired_at(row, now)) is not None:
        raise Unauthenticated(
            f"The API key expired at {expired.isoformat()}: use its successor or ask an admin for a new key.",
            extra={"expired_at": expired.isoformat()},
        )
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
        _touch(services, row.id, now)
    return Actor(row.tenant_id, "api_key", row.id, decode(row.scopes))


def _touch(services: Services, key_id: str, now: datetime) -> None:
    """Set the key's last use to ``now`` unless another request did within the last minute."""
    stale = or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - LAST_USED_PRECISION)
    with services.db.transaction() as session:
        session.execute(update(ApiKey).where(ApiKey.id == key_id, stale).values(last_used_at=now))


def list_tenant_ids(services: Services) -> list[str]:
    with services.db.reading() as session:
        return list(session.execute(select(Tenant.id).order_by(Tenant.created_at)).scalars())


def list_tenants(services: Services) -> list[dict[str, Any]]:
    """Every tenant, oldest first: id, name, SIREN, creation time and how many API keys work (neither revoked
    nor expired)."""
    active = (
        select(func.count())
        .where(ApiKey.tenant_id == Tenant.id, live_keys(services.clock.now()))
        .correlate(Tenant)
        .scalar_subquery()
    )
    query = select(Tenant, active).order_by(Tenant.created_at, Tenant.id)
    with services.db.reading() as session:
        return [
            {
                "id": t.id,
                "name": t.name,
                "siren": t.siren,
                "created_at": t.created_at.isoformat(),
                "active_keys": count,
            }
            for t, count in session.execute(query)
        ]
