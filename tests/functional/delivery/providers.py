"""What the provider suites share (Merci Facteur, Maileva, AR24 through the API, each against its twin): a
``Provider`` record (its path, credentials, secrets, and its twin on the test's clock), the account body and its
PUT, and the checks every journey ends with: the secrets nowhere, and the actual receipt with its deadline."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest
from sqlalchemy import select

from notice_service.db.models.audit_log import AuditRecord
from notice_service.db.models.providers import ProviderAccount
from notice_service.services import Services
from tests.functional.conftest import Api
from tests.twins import ar24, maileva, merci_facteur
from tests.twins.ar24 import Ar24Twin
from tests.twins.maileva import MailevaTwin
from tests.twins.merci_facteur import MerciFacteurTwin

RETURN_ADDRESS = {"lines": ["Atelier Durand SARL", "3 quai Saint-Antoine"], "postal_code": "69002", "city": "Lyon"}


class PostalTwin(Protocol):
    """What the shared tests ask of any provider's twin."""

    requests: list[tuple[str, str]]

    @property
    def base_url(self) -> str: ...

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None: ...

    def received(self, key: str | None = None, /) -> int: ...


def merci_facteur_twin(services: Services) -> MerciFacteurTwin:
    clock = services.clock
    return MerciFacteurTwin(now=lambda: clock.now().timestamp())


def maileva_twin(services: Services) -> MailevaTwin:
    clock = services.clock
    return MailevaTwin(now=lambda: clock.now().timestamp())


def ar24_twin(services: Services) -> Ar24Twin:
    return Ar24Twin(now=services.clock.now)


@dataclass(frozen=True)
class Provider:
    name: str  # /v1/providers/<name>
    credentials: dict[str, Any]
    secrets: tuple[str, ...]
    twin: Callable[[Services], Any]  # not started: ``with provider.twin(services).started() as twin``
    held: Callable[[Any], int]  # how many letters (or mails) the twin holds


MERCI_FACTEUR = Provider(
    "merci_facteur",
    {
        "service_id": merci_facteur.SERVICE_ID,
        "secret_key": merci_facteur.SECRET_KEY,
        "user_id": merci_facteur.USER_ID,
    },
    (merci_facteur.SECRET_KEY,),
    merci_facteur_twin,
    lambda twin: len(twin.letters),
)
MAILEVA = Provider(
    "maileva",
    {
        "client_id": maileva.CLIENT_ID,
        "client_secret": maileva.CLIENT_SECRET,
        "username": maileva.USERNAME,
        "password": maileva.PASSWORD,
    },
    (maileva.CLIENT_SECRET, maileva.PASSWORD),
    maileva_twin,
    lambda twin: len(twin.sendings),
)
AR24 = Provider(
    "ar24",
    {"token": ar24.TOKEN, "private_key": ar24.PRIVATE_KEY, "user_id": ar24.USER_ID},
    (ar24.PRIVATE_KEY, ar24.TOKEN),
    ar24_twin,
    lambda twin: len(twin.mails),
)


def account(provider: Provider, twin: PostalTwin, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "environment": "custom",
        "base_url": twin.base_url,
        "credentials": dict(provider.credentials),
        "return_address": RETURN_ADDRESS,
    }
    return {**body, **changes}


def configure(api: Api, provider: Provider, twin: PostalTwin) -> dict[str, Any]:
    response = api.client.put(f"/v1/providers/{provider.name}", json=account(provider, twin), headers=api.headers)
    assert response.status_code == 200 and response.json is not None, response.json
    return dict(response.json)


def tenant_of(api: Api) -> str:
    return str(api.get("/v1/tenant").json["id"])


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def assert_secrets_nowhere(
    services: Services, tenant_id: str, caplog: pytest.LogCaptureFixture, secrets: tuple[str, ...]
) -> None:
    """Not in the tenant's audit records, not in clear in its account row, not in the logs; and the account's
    configuration was audited."""
    with services.db.reading() as session:
        records = session.execute(
            select(AuditRecord.canonical, AuditRecord.action).where(AuditRecord.tenant_id == tenant_id)
        ).all()
        row = session.execute(select(ProviderAccount).where(ProviderAccount.tenant_id == tenant_id)).scalar_one()
        stored = json.dumps([row.public_credentials, row.secret_hints, row.wrapped_key, row.sealed_secrets])
    assert "provider:configured" in {action for _canonical, action in records}
    for secret in secrets:
        assert not any(secret.encode() in canonical for canonical, _action in records)
        assert secret not in stored and secret not in caplog.text


def assert_actual_receipt(api: Api, case_id: str, delivery: dict[str, Any], date: str, deadline: str) -> None:
    """The case's notice received on ``date`` (actual), its deadline ``deadline``, and the delivery's evidence
    among the documents of the case's timeline."""
    case = api.get(f"/v1/cases/{case_id}").json
    assert case["notices"][0]["receipt"] == {
        "receipt_date": date,
        "receipt": "actual",
        "deadline_date": deadline,
        "deadline_expired": False,
    }
    audited = {doc["sha256"] for event in case["timeline"] for doc in event["documents"]}
    assert {e["sha256"] for e in delivery["evidence"]} <= audited
