"""Accounts of the back office's people: created with a one-time password, listed, disabled, password changed.

Passwords are hashed with argon2id (``argon2-cffi``). E-mails are lower-cased and unique across tenants (a
person signs in to one tenant). Audit records name the account by id only (an e-mail is personal data).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from notice_service.db import audit_repository
from notice_service.db.models.tenants import Tenant
from notice_service.db.models.users import User
from notice_service.db.tenant_scope import get_owned
from notice_service.domain.roles import ROLES
from notice_service.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.json_values import iso_or_none

HASHER = PasswordHasher()
MIN_PASSWORD = 12
MAX_PASSWORD = 200
MAX_EMAIL = 254


@dataclass(frozen=True)
class CreatedUser:
    id: str
    email: str
    role: str
    password: str  # the one-time password, shown once


def normalized_email(email: str) -> str:
    """The e-mail lower-cased and stripped; ``InvalidInput`` naming ``email`` when it is not one."""
    value = email.strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or len(value) > MAX_EMAIL or any(c.isspace() for c in value):
        raise InvalidInput("Give an e-mail address.", errors=[FieldError("email", "une adresse e-mail valide")])
    return value


def password_errors(password: str, field: str = "password") -> list[FieldError]:
    """A password of 12 to 200 characters."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return [FieldError(field, f"entre {MIN_PASSWORD} et {MAX_PASSWORD} caractères")]
    return []


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "created_at": iso_or_none(user.created_at),
        "last_login_at": iso_or_none(user.last_login_at),
        "disabled": user.disabled_at is not None,
    }


def _require_admin(actor: Actor) -> None:
    """People are managed by an admin: a person whose role administers, an admin key or the operator."""
    if "admin" not in actor.scopes:
        raise Forbidden("Only an administrator manages users.")


def create_user(services: Services, actor: Actor, email: str, role: str) -> CreatedUser:
    """A new person of the actor's tenant with a one-time password (to change at first sign-in)."""
    _require_admin(actor)
    address = normalized_email(email)
    if role not in ROLES:
        raise InvalidInput("Unknown role.", errors=[FieldError("role", f"un de {', '.join(ROLES)}")])
    password = secrets.token_urlsafe(12)
    now = services.clock.now()
    with services.db.transaction() as session:
        if session.get(Tenant, actor.tenant_id) is None:
            raise NotFound(f"No tenant with id {actor.tenant_id}.")
        if session.execute(select(User.id).where(User.email == address)).first() is not None:
            raise Conflict("A person already signs in with this e-mail.", errors=[FieldError("email", "déjà utilisée")])
        user = User(id=new_id(), tenant_id=actor.tenant_id, email=address, role=role)
        user.password_hash, user.created_at, user.password_changed_at = HASHER.hash(password), now, now
        session.add(user)
        session.flush()
        record = actor.record("user:created", "user", user.id, data={"role": role})
        audit_repository.append(session, actor.tenant_id, [record], now)
    return CreatedUser(user.id, address, role, password)


def list_users(services: Services, actor: Actor) -> list[dict[str, Any]]:
    _require_admin(actor)
    with services.db.reading() as session:
        query = select(User).where(User.tenant_id == actor.tenant_id).order_by(User.created_at, User.id)
        return [user_json(user) for user in session.execute(query).scalars()]


def change_password(services: Services, actor: Actor, current: str, new: str, confirm: str) -> datetime:
    """The acting person's new password, after checking the current one; answers the change's time (sessions
    signed in before it are no longer valid)."""
    errors = password_errors(new, "new_password")
    if new != confirm:
        errors.append(FieldError("confirm_password", "ne correspond pas au nouveau mot de passe"))
    if new and new == current:
        errors.append(FieldError("new_password", "doit différer de l'actuel"))
    now = services.clock.now()
    with services.db.transaction() as session:
        user = get_owned(session, User, actor.tenant_id, actor.id, lock=True)
        if not verify_password(user.password_hash, current):
            errors.insert(0, FieldError("current_password", "mot de passe actuel incorrect"))
        if errors:
            raise InvalidInput("The password was not changed.", errors=errors)
        user.password_hash, user.password_changed_at = HASHER.hash(new), now
        audit_repository.append(session, actor.tenant_id, [actor.record("user:password_changed", "user", user.id)], now)
    return now


def set_disabled(services: Services, actor: Actor, user_id: str, disabled: bool) -> None:
    """Disable (or enable again) one of the tenant's people; nobody disables themselves."""
    _require_admin(actor)
    if user_id == actor.id:
        raise Conflict("You cannot disable your own account.")
    now = services.clock.now()
    with services.db.transaction() as session:
        user = get_owned(session, User, actor.tenant_id, user_id, lock=True)
        user.disabled_at = now if disabled else None
        action = "user:disabled" if disabled else "user:enabled"
        audit_repository.append(session, actor.tenant_id, [actor.record(action, "user", user.id)], now)
