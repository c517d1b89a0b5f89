"""The back office through the Flask test client: people of each role signed in with their one-time
passwords, the CSRF token read from the page as a browser would, and a tenant with a debtor, an invoice past
due and a case (made through the API)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

from notice_service.services import Services
from notice_service.use_cases.actor import Actor
from notice_service.use_cases.users.accounts import create_user
from tests.functional.conftest import Api
from tests.functional.lifecycle_support import case, debtor, invoice

ROLES = ("admin", "credit", "approver", "lawyer", "viewer")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Login:
    email: str
    password: str
    user_id: str


def tenant_of(api: Api) -> str:
    return str(api.get("/v1/tenant").json["id"])


def make_people(services: Services, tenant_id: str, prefix: str = "") -> dict[str, Login]:
    operator = Actor(tenant_id, "operator", "test")
    people = {}
    for role in ROLES:
        # e-mails are unique across tenants; a PostgreSQL database outlives one test
        created = create_user(services, operator, f"{prefix}{role}-{tenant_id[:8]}@atelier.example", role)
        people[role] = Login(created.email, created.password, created.id)
    return people


def csrf_of(client: FlaskClient, path: str = "/app/login") -> str:
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client: FlaskClient, login: Login) -> Any:
    token = csrf_of(client)
    answer = client.post("/app/login", data={"email": login.email, "password": login.password, "csrf_token": token})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    return answer


def post(client: FlaskClient, path: str, data: dict[str, Any], *, page: str = "/app/", **kwargs: Any) -> Any:
    """A form post with the session's CSRF token, read from ``page`` first."""
    return client.post(path, data={**data, "csrf_token": csrf_of(client, page)}, **kwargs)


def seeded_case(api: Api) -> tuple[str, str, str]:
    """A debtor, an invoice past due since 31 March 2026 and its case: their ids."""
    debtor_id = debtor(api)
    invoice_id = invoice(api, debtor_id, "F-2026-0042", "1234.56")
    return debtor_id, invoice_id, case(api, debtor_id, invoice_id)
