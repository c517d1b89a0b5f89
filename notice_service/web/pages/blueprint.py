"""The pages' blueprint (``/app/``), its session (signed cookie), CSRF check, security headers and access
checks. Views live in the sibling modules; ``web.pages.register_pages`` installs them.

- **Session**: Flask's signed cookie holds the person's id, the time their password last changed (a change
  ends every other session), when they signed in and when they were last seen. A session idle for
  ``IDLE`` or older than ``LIFETIME`` (by the service's clock) is over.
- **CSRF**: every POST carries the session's token as ``csrf_token``; one without it, or with another, is
  refused (400 page) before its view runs, so nothing is written.
- **Access**: ``@needs(permission)`` signs the visitor in first (redirect to the login page), then checks
  ``domain.roles`` (403 page).
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, abort, redirect, request, session, url_for

from notice_service.domain.roles import Permission, allowed
from notice_service.errors import Forbidden
from notice_service.use_cases.users.signing_in import Person, current_person
from notice_service.web.context import services

pages = Blueprint("pages", __name__, url_prefix="/app", template_folder="templates", static_folder="static")

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
View = TypeVar("View", bound=Callable[..., Any])
_PERSON = "notice_service.pages.person"


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


@pages.before_request
def _check_csrf() -> None:
    if request.method != "POST":
        return
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="csrf")


@pages.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def start_session(person: Person) -> None:
    """Sign ``person`` in: a fresh session (new CSRF token), stamped with the service's clock."""
    now = services().clock.now().isoformat()
    session.clear()
    session.permanent = True
    session.update(uid=person.id, pwd=person.password_stamp, at=now, seen=now)
    csrf_token()


def signed_in() -> Person | None:
    """The session's person, unless the session expired, the password changed or the account was disabled."""
    if _PERSON in request.environ:  # once per request (``g`` may outlive a request in a test client)
        return cast(Person | None, request.environ[_PERSON])
    person = None
    uid, pwd, at, seen = (session.get(k) for k in ("uid", "pwd", "at", "seen"))
    if isinstance(uid, str) and isinstance(pwd, str) and isinstance(at, str) and isinstance(seen, str):
        now = services().clock.now()
        fresh = now - datetime.fromisoformat(seen) <= IDLE and now - datetime.fromisoformat(at) <= LIFETIME
        person = current_person(services(), uid, pwd) if fresh else None
        if person is None:
            session.clear()
        else:
            session["seen"] = now.isoformat()
    request.environ[_PERSON] = person
    return person


def person() -> Person:
    found = signed_in()
    if found is None:  # views are reached through @needs, which signed the visitor in
        abort(401)
    return found


def may(permission: Permission) -> bool:
    found = signed_in()
    return found is not None and allowed(found.role, permission)


def needs(permission: Permission) -> Callable[[View], View]:
    """The view needs a signed-in person whose role has ``permission``."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if signed_in() is None:
                return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
            if not may(permission):
                raise Forbidden("Votre rôle ne permet pas cette action.")
            return view(*args, **kwargs)

        wrapper.__dict__["required_permission"] = permission  # the attacker suite reads it: every page has one
        return cast(View, wrapper)

    return decorate
