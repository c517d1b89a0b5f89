"""``PUT /v1/providers/<provider>`` (admin keys), ``GET /v1/providers/<provider>``, ``GET /v1/providers``.

One literal route per known provider (the OpenAPI document's path parameters are ids): an unknown provider is
a 404 problem like any unknown path. Secrets are never answered: ``secrets`` says ``configured`` and at most
the last 4 characters.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, Response
from pydantic import BaseModel, Field

from notice_service.use_cases.providers.accounts import (
    SPECS,
    AccountInput,
    configure_account,
    list_accounts,
    read_account,
)
from notice_service.web.context import actor, services
from notice_service.web.openapi import operation, parse_json
from notice_service.web.responses import json_response
from notice_service.web.schemas import Address, Strict

providers = Blueprint("providers", __name__, url_prefix="/v1/providers")


class ProviderAccountPut(Strict):
    environment: Literal["sandbox", "production", "custom"] = "production"
    base_url: str | None = Field(default=None, max_length=500, description="instead of the environment's URL")
    credentials: dict[str, str] = Field(
        description="Merci Facteur: service_id, secret_key, user_id (and authorized_ip); "
        "Maileva: client_id, client_secret, username, password (and auth_url); AR24: token, private_key, user_id; "
        "the secrets are write-only"
    )
    return_address: Address


class SecretState(BaseModel):
    configured: bool
    last4: str | None


class ProviderAccountOut(BaseModel):
    provider: str
    environment: str
    base_url: str
    credentials: dict[str, str]
    secrets: dict[str, SecretState]
    return_address: dict[str, Any]
    not_before: str | None
    updated_at: str


class ProviderAccountList(BaseModel):
    data: list[ProviderAccountOut]


def _routes(provider: str) -> None:
    def put_account() -> Response:
        body = parse_json(ProviderAccountPut)
        given = AccountInput(body.environment, body.credentials, body.return_address.model_dump(), body.base_url)
        return json_response(ProviderAccountOut, configure_account(services(), actor(), provider, given))

    def get_account() -> Response:
        return json_response(ProviderAccountOut, read_account(services(), actor().tenant_id, provider))

    put_account.__name__, get_account.__name__ = f"put_{provider}_account", f"read_{provider}_account"
    summary = f"Configure the tenant's {provider} account (admin keys; the credentials are checked with it)"
    operation(
        providers,
        f"/{provider}",
        "PUT",
        summary,
        request_model=ProviderAccountPut,
        response_model=ProviderAccountOut,
        scope="admin",
    )(put_account)
    operation(
        providers,
        f"/{provider}",
        "GET",
        f"Read the {provider} account (never its secrets)",
        response_model=ProviderAccountOut,
    )(get_account)


for _name in sorted(SPECS):
    _routes(_name)


@operation(
    providers,
    "",
    "GET",
    "List the tenant's provider accounts (never their secrets)",
    response_model=ProviderAccountList,
)
def list_provider_accounts() -> Response:
    return json_response(ProviderAccountList, {"data": list_accounts(services(), actor().tenant_id)})
