"""A tenant's API keys: create (shown once), list, revoke; and who the caller is (``GET /v1/tenant``).

Each key has a name, a scope and a last-used time (written at most once a minute, see ``authenticate``).
Scopes nest: ``read`` reads; ``write`` also creates, updates and closes; ``admin`` also manages the keys and
the tenant's profile. Keys made before scopes existed are ``admin``. The last active ``admin`` key cannot be
revoked, so a tenant never locks itself out. Creating and revoking are audited (``api_key:created``,
``api_key:revoked``); a key's secret is never stored or logged, only its SHA-256.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select

from notice_service.db import audit_repository
from notice_service.db.models.tenants import ApiKey, Tenant
from notice_service.db.tenant_scope import get_owned
from notice_service.errors import Conflict, FieldError, Forbidden, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.json_values import iso_or_none
from notice_service.use_cases.tenants.onboarding import API_KEY_PREFIX, hash_api_key, tenant_json
from notice_service.use_cases.versions import etag_of

SCOPES = ("read", "write", "admin")
MAX_KEYS = 100


def granted(scope: str) -> list[str]:
    """What a scope allows, ``read`` < ``write`` < ``admin``."""
    return list(SCOPES[: SCOPES.index(scope) + 1]) if scope in SCOPES else []


def require_scope(actor: Actor, needed: str) -> None:
    """``Forbidden`` (403) unless the actor's scope includes ``needed``."""
    if needed not in granted(actor.scope):
        raise Forbidden(
            f"This API key's scope is '{actor.scope}'; this operation needs '{needed}'. Use a key with that scope "
            "(an admin creates one with POST /v1/api-keys).",
            extra={"scope": actor.scope, "required_scope": needed},
        )


def key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.label,
        "scope": key.scope,
        "created_at": iso_or_none(key.created_at),
        "last_used_at": iso_or_none(key.last_used_at),
        "revoked_at": iso_or_none(key.revoked_at),
    }


def whoami(services: Services, actor: Actor) -> tuple[dict[str, Any], str]:
    """The tenant (id, name, SIREN, profile), the calling key and its scopes; and the tenant's ETag."""
    with services.db.reading() as session:
        tenant = session.get_one(Tenant, actor.tenant_id)
        key = session.get_one(ApiKey, actor.id)
        body = tenant_json(tenant)
        return {**body, "api_key": key_json(key), "scopes": granted(actor.scope)}, etag_of(body)


def _check_new_key(name: str, scope: str) -> None:
    errors = []
    if not 1 <= len(name.strip()) <= 100:
        errors.append(FieldError("name", "a name of 1 to 100 characters, e.g. 'ERP sync'"))
    if scope not in SCOPES:
        errors.append(FieldError("scope", "read, write or admin"))
    if errors:
        raise InvalidInput("The API key cannot be created.", errors=errors)


def create_api_key(services: Services, actor: Actor, name: str, scope: str) -> tuple[dict[str, Any], str]:
    """A new key of the actor's tenant; answers its JSON and the secret (shown once)."""
    require_scope(actor, "admin")
    _check_new_key(name, scope)
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    now = services.clock.now()
    with services.db.transaction() as session:
        session.get_one(Tenant, actor.tenant_id, with_for_update=True)  # serialises the count below
        active = select(func.count()).where(ApiKey.tenant_id == actor.tenant_id, ApiKey.revoked_at.is_(None))
        if session.execute(active).scalar_one() >= MAX_KEYS:
            raise Conflict(f"A tenant has at most {MAX_KEYS} active API keys: revoke one first.")
        key = ApiKey(
            id=new_id(), tenant_id=actor.tenant_id, key_hash=hash_api_key(secret), label=name.strip(), scope=scope
        )
        key.created_at = now
        session.add(key)
        session.flush()
        record = actor.record("api_key:created", "api_key", key.id, data={"name": key.label, "scope": scope})
        audit_repository.append(session, actor.tenant_id, [record], now)
        return key_json(key), secret


def list_api_keys(services: Services, actor: Actor) -> list[dict[str, Any]]:
    """Every key of the tenant, revoked ones included, oldest first."""
    require_scope(actor, "admin")
    with services.db.reading() as session:
        query = select(ApiKey).where(ApiKey.tenant_id == actor.tenant_id).order_by(ApiKey.created_at, ApiKey.id)
        return [key_json(key) for key in session.execute(query).scalars()]


def revoke_api_key(services: Services, actor: Actor, key_id: str) -> dict[str, Any]:
    """Revoke one of the tenant's keys (it stops working at once); ``Conflict`` when already revoked or when it
    is the last active admin key."""
    require_scope(actor, "admin")
    now = services.clock.now()
    with services.db.transaction() as session:
        session.get_one(Tenant, actor.tenant_id, with_for_update=True)
        key = get_owned(session, ApiKey, actor.tenant_id, key_id, lock=True)
        if key.revoked_at is not None:
            raise Conflict("The API key is already revoked.")
        admins = select(func.count()).where(
            ApiKey.tenant_id == actor.tenant_id, ApiKey.revoked_at.is_(None), ApiKey.scope == "admin"
        )
        if key.scope == "admin" and session.execute(admins).scalar_one() <= 1:
            raise Conflict("This is the tenant's last active admin key: create another admin key before revoking it.")
        key.revoked_at = now
        record = actor.record("api_key:revoked", "api_key", key.id, data={"name": key.label})
        audit_repository.append(session, actor.tenant_id, [record], now)
        return key_json(key)
