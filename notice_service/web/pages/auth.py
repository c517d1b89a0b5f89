"""Signing in and out, and changing one's password."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, session, url_for

from notice_service.domain.roles import Permission
from notice_service.errors import InvalidInput, RateLimited, Unauthenticated
from notice_service.use_cases.users.accounts import change_password
from notice_service.use_cases.users.signing_in import current_person_by_id, sign_in
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person, signed_in, start_session
from notice_service.web.pages.forms import field_errors
from notice_service.web.pages.rendering import page


def _safe_next(target: str | None) -> str:
    """Only a path of the pages, never another site."""
    if target and target.startswith("/app/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.dashboard")


@pages.get("/login")
def login() -> Any:
    if signed_in() is not None:
        return redirect(_safe_next(request.args.get("next")))
    return page("login.html", errors={}, email="", next=request.args.get("next", ""))


@pages.post("/login")
def login_post() -> Any:
    email, password = request.form.get("email", ""), request.form.get("password", "")
    target = request.form.get("next", "")
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "saisissez votre adresse e-mail"
    if not password:
        errors["password"] = "saisissez votre mot de passe"  # noqa: S105 (a message, not a secret)
    if errors:
        return page("login.html", 422, errors=errors, email=email, next=target)
    try:
        found = sign_in(services(), email, password, request.remote_addr or "unknown")
    except Unauthenticated as error:
        return page("login.html", 401, errors={"password": error.detail}, email=email, next=target)
    except RateLimited as error:
        return page("login.html", 429, errors={"email": error.detail}, email=email, next=target)
    start_session(found)
    return redirect(_safe_next(target), 303)


@pages.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("pages.login"), 303)


@pages.get("/password")
@needs(Permission.READ)
def password() -> Any:
    return page("password.html", errors={}, done=request.args.get("done") == "1")


@pages.post("/password")
@needs(Permission.READ)
def password_post() -> Any:
    form = request.form
    fields = {"current_password", "new_password", "confirm_password"}
    try:
        change_password(
            services(),
            person().actor,
            form.get("current_password", ""),
            form.get("new_password", ""),
            form.get("confirm_password", ""),
        )
    except InvalidInput as error:
        return page("password.html", 422, errors=field_errors(error, fields, "new_password"), done=False)
    start_session(current_person_by_id(services(), person().id))  # this session stays, the others end
    return redirect(url_for("pages.password", done="1"), 303)
