"""Paramètres → Comptes prestataires (admin): set or replace the Merci Facteur account through
``use_cases.providers.accounts`` (which checks the credentials with the provider before anything is stored).

A secret is never shown back, not even in a form that failed: the page says when it was configured (and its
last characters when it is long enough). Every form field is prefixed ``mf_`` (the profile has a ``city`` too).
"""

from __future__ import annotations

import re
from typing import Any

from flask import redirect, request, url_for

from notice_service.domain.roles import Permission
from notice_service.errors import InvalidInput, ProviderUnavailable
from notice_service.use_cases.providers.accounts import SPECS, AccountInput, configure_account
from notice_service.web.context import services
from notice_service.web.pages.blueprint import needs, pages, person
from notice_service.web.pages.forms import Form, FormErrors
from notice_service.web.pages.rendering import page
from notice_service.web.pages.settings_views import settings_context

ENVIRONMENTS = ("production", "sandbox", "custom")
FIELD = {"base_url": "mf_base_url", "environment": "mf_environment"}


def _address(form: Form) -> dict[str, Any]:
    lines = [line.strip() for line in request.form.get("mf_lines", "").splitlines() if line.strip()]
    if not 1 <= len(lines) <= 4 or any(len(line) > 38 for line in lines):
        form.errors["mf_lines"] = "de 1 à 4 lignes de 38 caractères au plus"
    postal_code = form.text("mf_postal_code", max_length=16)
    city = form.text("mf_city", max_length=200)
    country = request.form.get("mf_country", "FR").strip().upper() or "FR"
    if not re.fullmatch(r"[A-Z]{2}", country):
        form.errors["mf_country"] = "un code pays de deux lettres (FR)"
    return {"lines": lines, "postal_code": postal_code, "city": city, "country": country}


def _given(form: Form) -> AccountInput:
    spec = SPECS["merci_facteur"]
    environment = form.choice("mf_environment", ENVIRONMENTS)
    base_url = form.text("mf_base_url", required=environment == "custom", max_length=500) or None
    credentials = {name: form.text(f"mf_{name}", max_length=200) for name in spec.required}
    credentials |= {name: value for name in spec.optional if (value := form.text(f"mf_{name}", required=False))}
    address = _address(form)
    form.check()
    return AccountInput(environment, credentials, address, base_url if environment == "custom" else None)


def _refusal(error: InvalidInput) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors:
        name = item.field.split(".")[-1]
        found.setdefault(FIELD.get(name, f"mf_{name}"), "refusé par Merci Facteur : vérifiez cette valeur")
    return found or {"mf_secret_key": error.detail}


@pages.post("/parametres/prestataires/merci_facteur")
@needs(Permission.ADMINISTER)
def configure_merci_facteur() -> Any:
    form = Form()
    try:
        configure_account(services(), person().actor, "merci_facteur", _given(form))
    except FormErrors as error:
        return page("settings.html", 422, **settings_context(error.errors))
    except InvalidInput as error:
        return page("settings.html", 422, **settings_context(_refusal(error)))
    except ProviderUnavailable:
        message = "Merci Facteur n’a pas pu vérifier ces identifiants pour l’instant : réessayez plus tard."
        return page("settings.html", 503, **settings_context({"mf_environment": message}))
    return redirect(url_for("pages.settings_page", compte="1") + "#prestataires", 303)
