"""Privilege, automated from the app's URL map: every page under ``/app/`` declares the permission it needs
(``@needs``, which records it on the view), so a page added later is covered without being listed here. Every
role × every page: a GET is refused (403) exactly when the role lacks the permission, and otherwise answers
without error; a POST by a role without the permission is 403 with nothing written. Another tenant's
administrator gets 404 on every page that names one of the tenant's ids, and writes nothing."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from notice_service.domain.roles import ROLES, allowed
from notice_service.services import Services
from tests.functional.attacks.support import Tenant, changed, fingerprint
from tests.functional.pages.support import Login, csrf_of, make_people, sign_in

# The pages anyone reaches: signing in and out, and /app itself (a redirect to the dashboard).
PUBLIC = {("pages.login", "GET"), ("pages.login_post", "POST"), ("pages.logout", "POST"), ("pages.root", "GET")}


def _pages(app: Flask) -> list[tuple[str, str, str, Any]]:
    """(endpoint, method, rule, permission) of every route under /app but the static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/app") or rule.endpoint == "pages.static":
            continue
        permission = getattr(app.view_functions[rule.endpoint], "required_permission", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule, permission))
    return found


def _url(rule: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        return "1" if name == "number" else ids[name]

    return re.sub(r"<([\w:]+)>", value, rule)


def _browser(client: FlaskClient, login: Login) -> FlaskClient:
    browser = client.application.test_client()
    sign_in(browser, login)
    return browser


def test_every_page_declares_its_permission(client: FlaskClient) -> None:
    pages = _pages(client.application)
    assert len(pages) >= 25
    undeclared = [(endpoint, method) for endpoint, method, _, permission in pages if permission is None]
    assert sorted(set(undeclared) - PUBLIC) == [], "a page without @needs(...)"


def test_every_role_on_every_page(client: FlaskClient, victim: Tenant, services: Services) -> None:
    people = make_people(services, victim.tenant_id)
    ids = {**victim.ids, "user_id": people["viewer"].user_id}
    pages = [page for page in _pages(client.application) if page[3] is not None]
    browsers = {role: _browser(client, people[role]) for role in ROLES}
    tokens = {role: csrf_of(browser, "/app/") for role, browser in browsers.items()}
    before = fingerprint(services)
    wrong = []
    for role, browser in browsers.items():
        for _, method, rule, permission in pages:
            may = allowed(role, permission)
            if method == "GET":
                status = browser.get(_url(rule, ids)).status_code
                if (status == 403) == may or status >= 500:
                    wrong.append(f"{role} GET {rule}: {status} (permitted: {may})")
            elif not may:
                status = browser.post(_url(rule, ids), data={"csrf_token": tokens[role]}).status_code
                if status != 403:
                    wrong.append(f"{role} POST {rule}: {status}, not 403")
    assert not wrong, "\n".join(wrong)
    assert changed(before, fingerprint(services)) == []  # the refused posts wrote nothing (the GETs read)


def test_another_tenants_ids_are_404_on_every_page(
    client: FlaskClient, victim: Tenant, attacker: Tenant, services: Services
) -> None:
    theirs = make_people(services, victim.tenant_id, prefix="v-")
    mine = make_people(services, attacker.tenant_id, prefix="a-")
    ids = {**victim.ids, "user_id": theirs["viewer"].user_id}
    admin = _browser(client, mine["admin"])
    token = csrf_of(admin, "/app/")
    targets = [page for page in _pages(client.application) if "<" in page[2] and page[3] is not None]
    assert len(targets) >= 15
    before = fingerprint(services)
    wrong = []
    for _, method, rule, _ in targets:
        url = _url(rule, ids)
        answer = admin.get(url) if method == "GET" else admin.post(url, data={"csrf_token": token})
        text = answer.get_data(as_text=True)
        if answer.status_code != 404 or "Boulangerie Martin" in text:
            wrong.append(f"{method} {rule}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)
    assert changed(before, fingerprint(services)) == []
