"""A tenant's provider accounts: configure (check the credentials with the provider, then store them sealed),
read (never a secret: ``configured`` and its last 4 characters), and build the adapter for the worker.

``PUT /v1/providers/{provider}`` calls the provider's ``check`` before anything is written: wrong credentials
answer a problem naming the field, an unreachable provider a 502, and nothing is stored. The audit record says
which fields were set and where the provider is reached, never a value of a secret field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.providers import ProviderAccount
from notice_service.domain.audit.records import JsonValue
from notice_service.errors import FieldError, InvalidInput, NotFound, ProviderUnavailable
from notice_service.ports import PostalAddress, PostalProvider, ProviderError
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.providers.sealing import open_secrets, seal_secrets


@dataclass(frozen=True)
class ProviderSpec:
    required: tuple[str, ...]
    secret: frozenset[str]
    optional: tuple[str, ...] = ()
    urls: Mapping[str, str] = field(default_factory=dict)


#: The providers an account can be configured for. Merci Facteur's URLs: its documentation (the sandbox one is
#: to be confirmed with a sandbox account, see ``adapters/postal/merci_facteur.py``).
SPECS: dict[str, ProviderSpec] = {
    "merci_facteur": ProviderSpec(
        required=("service_id", "secret_key", "user_id"),
        secret=frozenset({"secret_key"}),
        optional=("authorized_ip",),
        urls={
            "production": "https://www.merci-facteur.com/api/1.2/prod/service",
            "sandbox": "https://www.merci-facteur.com/api/1.2/sandbox/service",
        },
    ),
    # Maileva (registered_mail v4): the application's client id and secret and the user's login and password
    # (the OAuth2 password grant, the only one Maileva implements); ``auth_url`` overrides the token endpoint
    # derived from the API host (``adapters/postal/maileva_wire.token_url``).
    "maileva": ProviderSpec(
        required=("client_id", "client_secret", "username", "password"),
        secret=frozenset({"client_secret", "password"}),
        optional=("auth_url",),
        urls={
            "production": "https://api.maileva.com/registered_mail/v4",
            "sandbox": "https://api.sandbox.maileva.net/registered_mail/v4",
        },
    ),
    # AR24 (qualified LRE): the API token and private key AR24 gives (both secret), the AR24 user that sends.
    "ar24": ProviderSpec(
        required=("token", "private_key", "user_id"),
        secret=frozenset({"token", "private_key"}),
        urls={"production": "https://app.ar24.fr/api", "sandbox": "https://sandbox.ar24.fr/api"},
    ),
}


@dataclass(frozen=True)
class AccountInput:
    environment: str  # sandbox | production | custom (then base_url is required)
    credentials: Mapping[str, str]
    return_address: Mapping[str, Any]
    base_url: str | None = None


def spec_of(provider: str) -> ProviderSpec:
    spec = SPECS.get(provider)
    if spec is None:
        raise NotFound(f"No provider {provider!r}; known: {', '.join(sorted(SPECS))}.")
    return spec


def _check_fields(spec: ProviderSpec, credentials: Mapping[str, str]) -> None:
    errors = [FieldError(f"credentials.{name}", "required") for name in spec.required if not credentials.get(name)]
    known = {*spec.required, *spec.optional}
    errors += [
        FieldError(f"credentials.{name}", f"unknown; known: {', '.join(sorted(known))}")
        for name in credentials
        if name not in known
    ]
    if errors:
        raise InvalidInput("The credentials are incomplete or name unknown fields.", errors=errors)


def _base_url(spec: ProviderSpec, given: AccountInput) -> str:
    if given.base_url:
        url = urlsplit(given.base_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise InvalidInput(
                "base_url must be an http(s) URL.", errors=[FieldError("base_url", "not an http(s) URL")]
            )
        return given.base_url.rstrip("/")
    if given.environment not in spec.urls:
        raise InvalidInput(
            "Give environment sandbox or production, or an explicit base_url.",
            errors=[FieldError("base_url", "required when environment is custom")],
        )
    return spec.urls[given.environment]


def _check_with_provider(provider: PostalProvider) -> None:
    try:
        provider.check()
    except ProviderError as refused:
        if refused.retryable:
            raise ProviderUnavailable(f"The provider could not check the credentials now: {refused.detail}") from None
        field_name = refused.field_name or "credentials"
        raise InvalidInput(
            f"The provider refused these credentials ({refused.code}): {refused.detail}",
            errors=[FieldError(field_name, "refused by the provider: check this value in your provider account")],
        ) from None


def configure_account(services: Services, actor: Actor, provider: str, given: AccountInput) -> dict[str, Any]:
    spec = spec_of(provider)
    _check_fields(spec, given.credentials)
    base_url = _base_url(spec, given)
    factory = services.postal_providers.get(provider)
    if factory is None:
        raise NotFound(f"The {provider} adapter is not available on this server.")
    _check_with_provider(factory(base_url, dict(given.credentials)))
    secrets = {k: v for k, v in given.credentials.items() if k in spec.secret}
    wrapped, sealed = seal_secrets(services.secrets_key, secrets, f"{actor.tenant_id}/{provider}")
    now = services.clock.now()
    with services.db.transaction() as session:
        row = _row(session, actor.tenant_id, provider)
        if row is None:
            row = ProviderAccount(id=new_id(), tenant_id=actor.tenant_id, provider=provider, created_at=now)
            session.add(row)
        row.environment = "custom" if given.base_url else given.environment
        row.base_url, row.updated_at = base_url, now
        row.public_credentials = {k: v for k, v in given.credentials.items() if k not in spec.secret}
        row.secret_hints = {k: v[-4:] if len(v) >= 12 else "" for k, v in secrets.items()}
        row.wrapped_key, row.sealed_secrets, row.return_address = wrapped, sealed, dict(given.return_address)
        session.flush()
        fields: list[JsonValue] = list(sorted(given.credentials))
        data: dict[str, JsonValue] = {
            "provider": provider,
            "environment": row.environment,
            "base_url": base_url,
            "fields": fields,
        }
        record = actor.record("provider:configured", "provider_account", row.id, data=data)  # no value of a secret
        audit_repository.append(session, actor.tenant_id, [record], now)
        return account_view(row)


def _row(session: Session, tenant_id: str, provider: str) -> ProviderAccount | None:
    return session.execute(
        select(ProviderAccount).where(ProviderAccount.tenant_id == tenant_id, ProviderAccount.provider == provider)
    ).scalar_one_or_none()


def account_view(row: ProviderAccount) -> dict[str, Any]:
    return {
        "provider": row.provider,
        "environment": row.environment,
        "base_url": row.base_url,
        "credentials": dict(row.public_credentials),
        "secrets": {name: {"configured": True, "last4": hint or None} for name, hint in row.secret_hints.items()},
        "return_address": dict(row.return_address),
        "not_before": row.not_before.isoformat() if row.not_before else None,
        "updated_at": row.updated_at.isoformat(),
    }


def read_account(services: Services, tenant_id: str, provider: str) -> dict[str, Any]:
    spec_of(provider)
    with services.db.reading() as session:
        row = _row(session, tenant_id, provider)
        if row is None:
            raise NotFound(f"No {provider} account is configured; PUT /v1/providers/{provider} first.")
        return account_view(row)


def list_accounts(services: Services, tenant_id: str) -> list[dict[str, Any]]:
    with services.db.reading() as session:
        rows = session.execute(
            select(ProviderAccount).where(ProviderAccount.tenant_id == tenant_id).order_by(ProviderAccount.provider)
        ).scalars()
        return [account_view(row) for row in rows]


@dataclass(frozen=True)
class LoadedAccount:
    provider: PostalProvider
    sender: PostalAddress
    not_before: datetime | None


def load_account(services: Services, tenant_id: str, provider: str) -> LoadedAccount:
    """The adapter of the tenant's account (secrets opened in memory only), its return address, its back-off."""
    with services.db.reading() as session:
        row = _row(session, tenant_id, provider)
        if row is None:
            raise NotFound(f"No {provider} account is configured; PUT /v1/providers/{provider} first.")
        secrets = open_secrets(services.secrets_key, row.wrapped_key, row.sealed_secrets, f"{tenant_id}/{provider}")
        credentials = {**row.public_credentials, **secrets}
        address = row.return_address
        sender = PostalAddress(
            tuple(address.get("lines", ())), address.get("postal_code", ""), address.get("city", ""),
            address.get("country", "FR"),
        )  # fmt: skip
        return LoadedAccount(services.postal_providers[provider](row.base_url, credentials), sender, row.not_before)


def back_off(services: Services, tenant_id: str, provider: str, until: datetime) -> None:
    """Every worker waits until ``until`` before calling this account again (a 429's ``Retry-After``)."""
    with services.db.transaction() as session:
        row = _row(session, tenant_id, provider)
        if row is not None and (row.not_before is None or row.not_before < until):
            row.not_before = until
