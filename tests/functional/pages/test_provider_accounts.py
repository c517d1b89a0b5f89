"""Paramètres → Merci Facteur, against the provider's twin (the real adapter checks the credentials), on SQLite
and PostgreSQL: an admin configures then replaces the account; the secret is never in a page (not even the form
that failed); the provider's refusal and bad fields are shown next to their field with nothing stored; other roles
get a 403 page and no CSRF token a 400."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from notice_service.db.models.providers import ProviderAccount
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.functional.delivery.providers import merci_facteur_twin
from tests.functional.pages.support import Login, post, sign_in, tenant_of
from tests.twins.merci_facteur import SECRET_KEY, SERVICE_ID, USER_ID, MerciFacteurTwin

PATH = "/app/parametres/prestataires/merci_facteur"


@pytest.fixture
def twin(services: Services) -> Iterator[MerciFacteurTwin]:
    with merci_facteur_twin(services).started() as started:
        yield started


def form(twin: MerciFacteurTwin, **changes: str) -> dict[str, Any]:
    body = {
        "mf_environment": "custom",
        "mf_base_url": twin.base_url,
        "mf_service_id": SERVICE_ID,
        "mf_secret_key": SECRET_KEY,
        "mf_user_id": USER_ID,
        "mf_lines": "Atelier Durand SARL\n3 quai Saint-Antoine",
        "mf_postal_code": "69002",
        "mf_city": "Lyon",
        "mf_country": "FR",
    }
    return {**body, **changes}


def accounts(services: Services, tenant_id: str) -> int:
    with services.db.reading() as session:
        query = select(func.count()).select_from(ProviderAccount).where(ProviderAccount.tenant_id == tenant_id)
        return int(session.execute(query).scalar_one())


def test_configure_then_replace_and_the_secret_never_shows(
    client: FlaskClient, people: dict[str, Login], services: Services, twin: MerciFacteurTwin, api: Api
) -> None:
    sign_in(client, people["admin"])
    assert "Aucun compte configuré" in client.get("/app/parametres").get_data(as_text=True)
    answer = post(client, PATH, form(twin), page="/app/parametres")
    assert answer.status_code == 303, answer.get_data(as_text=True)[-1500:]
    html = client.get("/app/parametres?compte=1").get_data(as_text=True)
    assert "Compte Merci Facteur enregistré." in html and "configurée le 20 novembre 2026" in html
    assert SERVICE_ID in html and "Remplacer le compte" in html
    assert SECRET_KEY not in html and f"…{SECRET_KEY[-4:]}" not in html
    replaced = post(client, PATH, form(twin, mf_city="Villeurbanne", mf_postal_code="69100"), page="/app/parametres")
    assert replaced.status_code == 303 and accounts(services, tenant_of(api)) == 1
    html = client.get("/app/parametres").get_data(as_text=True)
    assert "69100 Villeurbanne" in html and SECRET_KEY not in html
    refused = post(client, PATH, form(twin, mf_secret_key="not-the-secret-at-all"), page="/app/parametres")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="e-mf_secret_key"' in body and "refusé par Merci Facteur" in body
    assert "not-the-secret-at-all" not in body and SECRET_KEY not in body
    assert "69100 Villeurbanne" in client.get("/app/parametres").get_data(as_text=True)  # the account is kept


BAD = [
    ({"mf_secret_key": ""}, "mf_secret_key"),
    ({"mf_service_id": ""}, "mf_service_id"),
    ({"mf_user_id": "u" * 201}, "mf_user_id"),
    ({"mf_environment": "moon"}, "mf_environment"),
    ({"mf_base_url": ""}, "mf_base_url"),  # custom needs its URL
    ({"mf_base_url": "ftp://example.org"}, "mf_base_url"),
    ({"mf_lines": ""}, "mf_lines"),
    ({"mf_lines": "a\nb\nc\nd\ne"}, "mf_lines"),
    ({"mf_lines": "x" * 39}, "mf_lines"),
    ({"mf_postal_code": ""}, "mf_postal_code"),
    ({"mf_city": ""}, "mf_city"),
    ({"mf_country": "France"}, "mf_country"),
    ({"mf_service_id": "wrong-service"}, "mf_service_id"),  # refused by the provider
]


def test_bad_inputs_store_nothing_and_other_roles_are_refused(
    client: FlaskClient, people: dict[str, Login], services: Services, twin: MerciFacteurTwin, api: Api
) -> None:
    sign_in(client, people["admin"])
    for changes, bad in BAD:
        answer = post(client, PATH, form(twin, **changes), page="/app/parametres")
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422, (changes, answer.status_code)
        assert f'id="e-{bad}"' in html and f'aria-describedby="e-{bad}' in html, (changes, bad)
        assert SECRET_KEY not in html
    assert client.post(PATH, data=form(twin)).status_code == 400  # no CSRF token
    for role in ("credit", "approver", "lawyer", "viewer"):
        visitor = client.application.test_client()
        sign_in(visitor, people[role])
        assert visitor.get("/app/parametres").status_code == 403
        answer = post(visitor, PATH, form(twin))
        assert answer.status_code == 403 and "Accès refusé" in answer.get_data(as_text=True), role
    assert accounts(services, tenant_of(api)) == 0 and twin.base_url
