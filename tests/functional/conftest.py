"""The whole service on real components through the Flask test client.

``services`` is built on a temporary directory: a real database (SQLite, and PostgreSQL from the embedded
server for the ``postgres`` parameter), the write-once filesystem store, WeasyPrint, pyHanko with a
development identity, and a fixed clock so the legal dates are reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.bootstrap import build_services
from notice_service.services import Services
from notice_service.settings import Settings
from notice_service.use_cases.tenants.onboarding import create_tenant
from tests.services.migrated import migrated_sqlite_url

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
CREDITOR_PROFILE = {
    "legal_form": "SARL",
    "capital": "50 000 €",
    "rcs_city": "Lyon",
    "vat_number": "FR83404833048",
    "address_lines": ["3 quai Saint-Antoine"],
    "postal_code": "69002",
    "city": "Lyon",
    "country": "FR",
    "email": "compta@atelier.example",
    "phone": "04 72 00 00 00",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
    "signatory_name": "Jeanne Durand",
    "signatory_role": "Gérante",
    "place": "Lyon",
    "mediator_name": "CM2C (Centre de la médiation de la consommation de conciliateurs de justice)",
    "mediator_url": "https://www.cm2c.net",
}


def make_services(data_dir: Path, database_url: str) -> Services:
    # The provider accounts' shared rate limit is off: under a fixed clock the second call of a test would wait
    # for ever. Its own tests (tests/integration/worker/test_provider_rate_limit.py) switch it on.
    settings = Settings(data_dir=data_dir, database_url=database_url, provider_calls_per_minute=0)
    return build_services(settings, clock=FixedClock(NOW))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return migrated_sqlite_url(
            tmp_path / "notice.db"
        )  # a copy of one migrated template (tests/services/migrated.py)
    url: str = request.getfixturevalue("migrated_postgres_url")  # one per module, from a migrated template
    return url


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    built = make_services(tmp_path, database_url)
    yield built
    built.db.engine.dispose()  # close pooled connections now, not in a garbage collector's __del__


class Api:
    """A tenant's view of the API: JSON in, JSON out, its bearer key on every call."""

    def __init__(self, client: FlaskClient, api_key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {api_key}"}

    def post(self, path: str, body: Any = None, *, key: str | None = None, **kwargs: Any) -> Any:
        headers = dict(self.headers)
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(path, json=body, headers=headers, **kwargs)

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)


@pytest.fixture
def client(services: Services) -> Iterator[FlaskClient]:
    app = create_app(services=services)
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def api(client: FlaskClient, services: Services) -> Api:
    created = create_tenant(services, name="Atelier Durand", siren="404833048", profile=CREDITOR_PROFILE)
    return Api(client, created.api_key)


@pytest.fixture
def other_api(client: FlaskClient, services: Services) -> Api:
    created = create_tenant(services, name="Autre Société", siren="552100554", profile=CREDITOR_PROFILE)
    return Api(client, created.api_key)
