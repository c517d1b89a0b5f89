"""A tenant's API keys: create (shown once), list, rotate, revoke; and who the caller is (``GET /v1/tenant``).

Each key has a name, its scopes (``domain/api_scopes.py``: ``read``, ``write``, ``issue``, ``dispatch``,
``admin``), an optional expiry and a last-used time (written at most once a minute, see ``authenticate``).
Keys made before scopes existed have them all. An expired key is refused (401) like a revoked one.

Rotation without downtime: ``rotate`` issues a successor with the same name and scopes and sets the old key to
expire after a grace period (default a day, at most 30), during which both work; revoking the old key ends it
early. The last active ``admin`` key cannot be revoked, so a tenant never locks itself out. Creating, rotating
and revoking are audited (``api_key:created``, ``api_key:rotated``, ``api_key:revoked``); a key's secret is
never stored or logged, only its SHA-256.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.tenants import ApiKey, Tenant
from notice_service.db.tenant_scope import get_owned
from notice_service.domain import api_scopes
from notice_service.errors import Conflict, FieldError, Forbidden, InvalidInput
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.json_values import iso_or_none
from notice_service.use_cases.tenants.onboarding import (
    API_KEY_PREFIX,
    expired_at,
    hash_api_key,
    live_keys,
    tenant_json,
)
from notice_service.use_cases.versions import etag_of

SCOPES = api_scopes.SCOPES
MAX_KEYS = 100
DEFAULT_GRACE = timedelta(days=1)
MAX_GRACE = timedelta(days=30)


def require_scope(actor: Actor, needed: str) -> None:
    """``Forbidden`` (403 ``insufficient-scope``, naming the scope) unless the actor's scopes grant ``needed``."""
    if needed not in api_scopes.granted(actor.scopes):
        held = " ".join(api_scopes.ordered(actor.scopes)) or "none"
        raise Forbidden(
            f"This API key's scopes are '{held}'; this operation needs the '{needed}' scope. Use a key that has "
            "it (an admin creates one with POST /v1/api-keys).",
            extra={"scopes": api_scopes.ordered(actor.scopes), "required_scope": needed},
        )


def key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.label,
        "scopes": api_scopes.ordered(api_scopes.decode(key.scopes)),
        "created_at": iso_or_none(key.created_at),
        "last_used_at": iso_or_none(key.last_used_at),
        "expires_at": iso_or_none(key.expires_at),
        "revoked_at": iso_or_none(key.revoked_at),
        "successor_id": key.successor_id,
    }


def whoami(services: Services, actor: Actor) -> tuple[dict[str, Any], str]:
    """The tenant (id, name, SIREN, profile), the calling key and what it may do; and the tenant's ETag."""
    with services.db.reading() as session:
        tenant = session.get_one(Tenant, actor.tenant_id)
        key = session.get_one(ApiKey, actor.id)
        body = tenant_json(tenant)
        scopes = api_scopes.ordered(api_scopes.granted(actor.scopes))
        return {**body, "api_key": key_json(key), "scopes": scopes}, etag_of(body)


def _check_new_key(name: str, scopes: list[str], expires_at: datetime | None, now: datetime) -> None:
    errors = []
    if not 1 <= len(name.strip()) <= 100:
        errors.append(FieldError("name", "a name of 1 to 100 characters, e.g. 'ERP sync'"))
    if not scopes or api_scopes.unknown(scopes):
        errors.append(FieldError("scopes", f"one or more of {', '.join(SCOPES)}"))
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        errors.append(FieldError("expires_at", "a future time with its offset, e.g. 2027-01-31T00:00:00Z"))
    if errors:
        raise InvalidInput("The API key cannot be created.", errors=errors)


def _add_key(session: Session, actor: Actor, name: str, scopes: Iterable[str], now: datetime) -> tuple[ApiKey, str]:
    """A new key row (locks the tenant: the count of live keys is serialised); answers it and its secret."""
    session.get_one(Tenant, actor.tenant_id, with_for_update=True)
    live = select(func.count()).where(ApiKey.tenant_id == actor.tenant_id, live_keys(now))
    if session.execute(live).scalar_one() >= MAX_KEYS:
        raise Conflict(f"A tenant has at most {MAX_KEYS} active API keys: revoke one first.")
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(id=new_id(), tenant_id=actor.tenant_id, key_hash=hash_api_key(secret), label=name.strip())
    key.scopes, key.created_at = api_scopes.encode(scopes), now
    session.add(key)
    session.flush()
    return key, secret


def create_api_key(
    services: Services, actor: Actor, name: str, scopes: Iterable[str], expires_at: datetime | None = None
) -> tuple[dict[str, Any], str]:
    """A new key of the actor's tenant; answers its JSON and the secret (shown once)."""
    require_scope(actor, "admin")
    wanted = list(dict.fromkeys(scopes))
    now = services.clock.now()
    _check_new_key(name, wanted, expires_at, now)
    with services.db.transaction() as session:
        key, secret = _add_key(session, actor, name, wanted, now)
        key.expires_at = expires_at
        data: dict[str, Any] = {"name": key.label, "scopes": key.scopes, "expires_at": iso_or_none(expires_at)}
        record = actor.record("api_key:created", "api_key", key.id, data=data)
        audit_repository.append(session, actor.tenant_id, [record], now)
        return key_json(key), secret


def list_api_keys(services: Services, actor: Actor) -> list[dict[str, Any]]:
    """Every key of the tenant, revoked and expired ones included, oldest first."""
    require_scope(actor, "admin")
    with services.db.reading() as session:
        query = select(ApiKey).where(ApiKey.tenant_id == actor.tenant_id).order_by(ApiKey.created_at, ApiKey.id)
        return [key_json(key) for key in session.execute(query).scalars()]


def _working(key: ApiKey, now: datetime) -> None:
    """``Conflict`` unless the key still works (neither revoked nor expired)."""
    if key.revoked_at is not None:
        raise Conflict("The API key is already revoked.")
    if expired_at(key, now) is not None:
        raise Conflict("The API key has expired.")


def rotate_api_key(
    services: Services, actor: Actor, key_id: str, grace: timedelta = DEFAULT_GRACE
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """A successor of one of the tenant's keys (same name and scopes), while the old key keeps working for
    ``grace`` then expires; answers the successor's JSON, its secret (shown once) and the old key's JSON.
    ``Conflict`` when the key no longer works or was already rotated."""
    require_scope(actor, "admin")
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise InvalidInput(
            "The grace period is out of range.",
            errors=[FieldError("grace_seconds", f"0 to {int(MAX_GRACE.total_seconds())} seconds (30 days)")],
        )
    now = services.clock.now()
    with services.db.transaction() as session:
        old = get_owned(session, ApiKey, actor.tenant_id, key_id, lock=True)
        _working(old, now)
        if old.successor_id is not None:
            raise Conflict(f"The API key was already rotated: its successor is {old.successor_id}.")
        new, secret = _add_key(session, actor, old.label, api_scopes.decode(old.scopes), now)
        old.expires_at = min(old.expires_at, now + grace) if old.expires_at is not None else now + grace
        old.successor_id = new.id
        records = [
            actor.record("api_key:created", "api_key", new.id, data={"name": new.label, "scopes": new.scopes}),
            actor.record(
                "api_key:rotated",
                "api_key",
                old.id,
                data={"successor_id": new.id, "expires_at": iso_or_none(old.expires_at)},
            ),
        ]
        audit_repository.append(session, actor.tenant_id, records, now)
        return key_json(new), secret, key_json(old)


def revoke_api_key(services: Services, actor: Actor, key_id: str) -> dict[str, Any]:
    """Revoke one of the tenant's keys (it stops working at once); ``Conflict`` when already revoked or when it
    is the last working admin key."""
    require_scope(actor, "admin")
    now = services.clock.now()
    with services.db.transaction() as session:
        session.get_one(Tenant, actor.tenant_id, with_for_update=True)
        key = get_owned(session, ApiKey, actor.tenant_id, key_id, lock=True)
        if key.revoked_at is not None:
            raise Conflict("The API key is already revoked.")
        admins = select(func.count()).where(
            ApiKey.tenant_id == actor.tenant_id, live_keys(now), ApiKey.scopes.contains("admin")
        )
        live = expired_at(key, now) is None
        if live and "admin" in api_scopes.decode(key.scopes) and session.execute(admins).scalar_one() <= 1:
            raise Conflict("This is the tenant's last active admin key: create another admin key before revoking it.")
        key.revoked_at = now
        record = actor.record("api_key:revoked", "api_key", key.id, data={"name": key.label})
        audit_repository.append(session, actor.tenant_id, [record], now)
        return key_json(key)
