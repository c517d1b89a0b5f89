"""Inbound provider events: per-tenant secrets, authentication, and recording the facts they carry.

Two doors. The generic one (any provider or ERP) is signed with the Standard Webhooks scheme
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``,
secret ``whsec_<base64>``), checked with the ``standardwebhooks`` package and our clock (5 minutes'
tolerance). Merci Facteur's carries its ``X-Mf-Webhook-Secret-Key`` header, compared in constant time.
Either way every event of a request is resolved to a delivery of that tenant and its files checked and
stored before one transaction records them all; anything wrong refuses the whole request, unchanged.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from notice_service.db import audit_repository
from notice_service.db.models.delivery import Delivery, InboundWebhookSecret
from notice_service.db.models.tenants import Tenant
from notice_service.domain.delivery.provider_events import ProviderEvent
from notice_service.errors import FieldError, InvalidInput, NotFound, Unauthenticated
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.delivery.recording import EvidenceFile, IncomingFact, record_facts

SIGNATURE_TOLERANCE = timedelta(minutes=5)
INBOUND_PROVIDERS = ("webhook", "merci_facteur")


def create_inbound_secret(services: Services, tenant_id: str, provider: str) -> str:
    """A new secret for ``provider`` (replacing the previous one), shown once; audited without its value."""
    if provider not in INBOUND_PROVIDERS:
        raise InvalidInput("Unknown provider.", errors=[FieldError("provider", f"one of {INBOUND_PROVIDERS}")])
    raw = secrets.token_bytes(32)
    secret = "whsec_" + base64.b64encode(raw).decode() if provider == "webhook" else secrets.token_urlsafe(32)
    now = services.clock.now()
    with services.db.transaction() as session:
        if session.get(Tenant, tenant_id) is None:
            raise NotFound(f"No tenant with id {tenant_id}.")
        existing = session.execute(
            select(InboundWebhookSecret).where(
                InboundWebhookSecret.tenant_id == tenant_id, InboundWebhookSecret.provider == provider
            )
        ).scalar_one_or_none()
        if existing is not None:
            session.delete(existing)
            session.flush()
        session.add(
            InboundWebhookSecret(id=new_id(), tenant_id=tenant_id, provider=provider, secret=secret, created_at=now)
        )
        record = Actor(tenant_id, "operator", "cli").record(
            "tenant:inbound_secret_created", "tenant", tenant_id, data={"provider": provider}
        )
        audit_repository.append(session, tenant_id, [record], now)
    return secret


def _secret(services: Services, tenant_id: str, provider: str) -> str:
    with services.db.reading() as session:
        secret = session.execute(
            select(InboundWebhookSecret.secret).where(
                InboundWebhookSecret.tenant_id == tenant_id, InboundWebhookSecret.provider == provider
            )
        ).scalar_one_or_none()
    if secret is None:
        raise Unauthenticated("Unknown tenant or no inbound secret for this provider.")
    return secret


def verify_standard_signature(services: Services, tenant_id: str, headers: Mapping[str, str], body: bytes) -> None:
    """Standard Webhooks verification against the tenant's secret; ``Unauthenticated`` on any mismatch."""
    secret = _secret(services, tenant_id, "webhook")
    msg_id, stamp, signatures = (headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and stamp and signatures and stamp.isdigit()):
        raise Unauthenticated("Send the webhook-id, webhook-timestamp and webhook-signature headers.")
    sent_at = datetime.fromtimestamp(int(stamp), tz=UTC)
    if abs(services.clock.now() - sent_at) > SIGNATURE_TOLERANCE:
        raise Unauthenticated("The webhook-timestamp is more than 5 minutes away from now.")
    try:
        expected = Webhook(secret).sign(msg_id, sent_at, body.decode("utf-8")).encode()
    except UnicodeDecodeError:
        raise Unauthenticated("The body is not UTF-8; the signature cannot match.") from None
    if not any(hmac.compare_digest(expected, candidate.encode()) for candidate in signatures.split()):
        raise Unauthenticated("No webhook-signature matches the body with this tenant's secret.")


def verify_merci_facteur_key(services: Services, tenant_id: str, presented: str | None) -> None:
    secret = _secret(services, tenant_id, "merci_facteur")
    if presented is None or not hmac.compare_digest(secret.encode(), presented.encode()):
        raise Unauthenticated("The X-Mf-Webhook-Secret-Key header does not match this tenant's secret.")


def _find_delivery(session: Session, tenant_id: str, event: ProviderEvent, position: int) -> Delivery:
    scoped = select(Delivery).where(Delivery.tenant_id == tenant_id)
    for column, value in (
        (Delivery.id, event.delivery_ref),
        (Delivery.provider_reference, event.provider_reference),
        (Delivery.tracking_number, event.tracking_number),
    ):
        if value:
            found = session.execute(scoped.where(column == value)).scalars().first()
            if found is not None:
                return found
    raise NotFound(
        f"Event {position} names no delivery of this tenant (by id, provider reference or tracking number).",
        errors=[FieldError(f"events[{position}]", "unknown delivery")],
    )


@dataclass(frozen=True)
class InboundResult:
    recorded: int
    duplicates: int


def record_provider_events(
    services: Services, tenant_id: str, source: str, events: Sequence[ProviderEvent]
) -> InboundResult:
    """Resolve, check, store WORM, then record every event in one transaction (or none of them)."""
    incoming = [
        IncomingFact(
            event.fact,
            dict(event.raw),
            [EvidenceFile(item.kind, item.data, event.fact.legal_date) for item in event.evidence],
            field=f"events[{i}].fact",
        )
        for i, event in enumerate(events)
    ]
    actor = Actor(tenant_id, "provider", source)
    recorded = record_facts(
        services, actor, source, incoming, lambda session, i, _item: _find_delivery(session, tenant_id, events[i], i)
    )
    return InboundResult(recorded, len(events) - recorded)
