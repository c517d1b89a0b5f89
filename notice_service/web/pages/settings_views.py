"""Paramètres (admin): the creditor profile (IBAN checked by the use case), people and API keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import redirect, request, url_for

from notice_service.domain.api_scopes import PRESETS
from notice_service.domain.roles import ROLE_LABELS, ROLES, Permission
from notice_service.errors import Conflict, InvalidInput, PreconditionFailed
from notice_service.use_cases.backoffice.tenant import tenant_with_etag
from notice_service.use_cases.providers.accounts import list_accounts
from notice_service.use_cases.tenants.api_keys import SCOPES, create_api_key, list_api_keys, revoke_api_key
from notice_service.use_cases.tenants.onboarding import update_profile
from notice_service.use_cases.users.accounts import create_user, list_users, set_disabled
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person
from notice_service.web.pages.case_page import checked_id
from notice_service.web.pages.forms import field_errors
from notice_service.web.pages.rendering import page

PROFILE_FORM = (
    ("legal_form", "Forme juridique"),
    ("capital", "Capital social"),
    ("rcs_city", "Ville du RCS"),
    ("vat_number", "N° de TVA intracommunautaire"),
    ("postal_code", "Code postal"),
    ("city", "Ville"),
    ("email", "E-mail de contact"),
    ("phone", "Téléphone"),
    ("iban", "IBAN"),
    ("bic", "BIC"),
    ("signatory_name", "Signataire"),
    ("signatory_role", "Fonction du signataire"),
    ("place", "Lieu d’émission des courriers"),
)


def settings_context(errors: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    actor = person().actor
    tenant, etag = tenant_with_etag(services(), actor)
    return {
        "tenant": tenant,
        "etag": etag,
        "profile_form": PROFILE_FORM,
        "users": list_users(services(), actor),
        "keys": list_api_keys(services(), actor),
        "providers": {a["provider"]: a for a in list_accounts(services(), actor.tenant_id)},
        "role_options": [(role, ROLE_LABELS[role]) for role in ROLES],
        "scopes": SCOPES,
        "errors": errors or {},
        "created_user": None,
        "created_key": None,
        "saved": request.args.get("saved") == "1",
        **extra,
    }


@pages.get("/parametres")
@needs(Permission.ADMINISTER)
def settings_page() -> Any:
    return page("settings.html", **settings_context())


@pages.post("/parametres/profil")
@needs(Permission.ADMINISTER)
def save_profile() -> Any:
    changes: dict[str, object] = {}
    for name, _ in PROFILE_FORM:
        value = request.form.get(name, "").strip()
        changes[name] = value.replace(" ", "") if name in ("iban", "bic") and value else value or None
    lines = [line.strip() for line in request.form.get("address_lines", "").splitlines() if line.strip()]
    changes["address_lines"] = lines or None
    fields = {name for name, _ in PROFILE_FORM} | {"address_lines"}
    try:
        update_profile(
            services(), person().actor.tenant_id, changes, actor=person().actor, if_match=request.form.get("version")
        )
    except InvalidInput as error:
        return page("settings.html", 422, **settings_context(field_errors(error, fields, "legal_form")))
    except PreconditionFailed:
        message = "Le profil a été modifié entre-temps : rechargez la page et recommencez."
        return page("settings.html", 409, **settings_context({"legal_form": message}))
    return redirect(url_for("pages.settings_page", saved="1") + "#profil", 303)


@pages.post("/parametres/utilisateurs")
@needs(Permission.ADMINISTER)
def add_user() -> Any:
    try:
        created = create_user(services(), person().actor, request.form.get("email", ""), request.form.get("role", ""))
    except (InvalidInput, Conflict) as error:
        return page("settings.html", 422, **settings_context(field_errors_of(error, {"email", "role"})))
    return page("settings.html", 201, **settings_context(created_user=created))


@pages.post("/parametres/utilisateurs/<user_id>/statut")
@needs(Permission.ADMINISTER)
def toggle_user(user_id: str) -> Any:
    try:
        set_disabled(services(), person().actor, checked_id(user_id), request.form.get("disabled") == "1")
    except Conflict as error:
        return page("settings.html", 409, **settings_context({"users": error.detail}))
    return redirect(url_for("pages.settings_page") + "#utilisateurs", 303)


@pages.post("/parametres/cles")
@needs(Permission.ADMINISTER)
def add_key() -> Any:
    try:
        preset = request.form.get("scope", "")  # read, write (all but admin) or admin: the API's presets
        chosen = PRESETS.get(preset, frozenset({preset}) if preset else frozenset())
        key, secret = create_api_key(services(), person().actor, request.form.get("name", ""), chosen)
    except (InvalidInput, Conflict) as error:
        errors = field_errors_of(error, {"name", "scope"}, rename={"scopes": "scope"})  # the form's one preset
        return page("settings.html", 422, **settings_context(errors))
    return page("settings.html", 201, **settings_context(created_key={**key, "secret": secret}))


@pages.post("/parametres/cles/<key_id>/revocation")
@needs(Permission.ADMINISTER)
def revoke_key(key_id: str) -> Any:
    try:
        revoke_api_key(services(), person().actor, checked_id(key_id))
    except Conflict as error:
        return page("settings.html", 409, **settings_context({"keys": error.detail}))
    return redirect(url_for("pages.settings_page") + "#cles", 303)


def field_errors_of(
    error: InvalidInput | Conflict, fields: set[str], *, rename: Mapping[str, str] | None = None
) -> dict[str, str]:
    fallback = sorted(fields)[0]
    if isinstance(error, InvalidInput) or error.errors:
        return field_errors(InvalidInput(error.detail, errors=error.errors), fields, fallback, rename=rename)
    return {fallback: error.detail}
