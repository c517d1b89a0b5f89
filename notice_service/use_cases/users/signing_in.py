"""Signing in: an e-mail and a password checked against the argon2 hash, with throttling.

After ``MAX_FAILURES`` failed attempts for one e-mail from one address within ``WINDOW``, further attempts are
refused (``RateLimited`` with ``retry_after``) until the oldest of them leaves the window, whether or not the
password is right. Failures are rows of ``login_failures``, so the limit holds across processes and
restarts; a success clears that e-mail's and address's failures. An unknown e-mail costs the same hash as
a known one (no timing oracle) and gets the same answer.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from notice_service.db.models.users import LoginFailure, User
from notice_service.domain.roles import api_scopes
from notice_service.errors import RateLimited, Unauthenticated
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.users.accounts import HASHER, verify_password

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
_DUMMY_HASH = HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class Person:
    """Who is signed in: the session keeps ``id`` and ``password_stamp`` (a digest of the password's hash:
    a new password, salted anew, ends every session signed in with the old one)."""

    id: str
    tenant_id: str
    email: str
    role: str
    password_stamp: str

    @property
    def actor(self) -> Actor:
        return Actor(self.tenant_id, "user", self.id, scopes=api_scopes(self.role))


def _person(user: User) -> Person:
    stamp = hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]
    return Person(user.id, user.tenant_id, user.email, user.role, stamp)


def _refuse_if_throttled(services: Services, email: str, ip: str, now: datetime) -> None:
    with services.db.reading() as session:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.failed_at)).where(
                LoginFailure.email == email, LoginFailure.ip == ip, LoginFailure.failed_at > now - WINDOW
            )
        ).one()
    if count >= MAX_FAILURES:
        wait = max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
        raise RateLimited(
            f"Trop de tentatives : réessayez dans {math.ceil(wait / 60)} min.", extra={"retry_after": wait}
        )


def sign_in(services: Services, email: str, password: str, ip: str) -> Person:
    """The person with this e-mail and password; ``Unauthenticated`` (the same for every reason) otherwise."""
    address = email.strip().lower()[:254]
    now = services.clock.now()
    _refuse_if_throttled(services, address, ip, now)
    with services.db.reading() as session:
        user = session.execute(select(User).where(User.email == address)).scalar_one_or_none()
    good = verify_password(user.password_hash if user else _DUMMY_HASH, password[:200]) and user is not None
    with services.db.transaction() as session:
        if not good or user is None or user.disabled_at is not None:
            session.add(LoginFailure(id=new_id(), email=address, ip=ip[:64], failed_at=now))
        else:
            session.execute(delete(LoginFailure).where(LoginFailure.email == address, LoginFailure.ip == ip))
            found = session.get_one(User, user.id)
            found.last_login_at = now
            return _person(found)
    raise Unauthenticated("E-mail ou mot de passe incorrect.")


def current_person(services: Services, user_id: str, password_stamp: str) -> Person | None:
    """The signed-in person of a session, unless disabled since or the password changed after sign-in."""
    with services.db.reading() as session:
        user = session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        return None
    found = _person(user)
    return found if hmac.compare_digest(found.password_stamp, password_stamp) else None


def current_person_by_id(services: Services, user_id: str) -> Person:
    """The person as stored now (after their password changed: the session is stamped anew)."""
    with services.db.reading() as session:
        return _person(session.get_one(User, user_id))
