"""Tenants' outbound webhook subscriptions: create one (its ``whsec_`` signing secret is answered once), list
them, delete one (kept as deleted so its delivery log stays readable), and read the delivery log.

Each change is audited (without the secret) in the transaction that makes it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription
from notice_service.domain.webhook_events import EventType, target_problem
from notice_service.errors import FieldError, InvalidInput, NotFound
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id

DELIVERY_PAGE = 100


@dataclass(frozen=True)
class SubscriptionInput:
    url: str
    event_types: Sequence[EventType]
    description: str | None = None


def _check(services: Services, data: SubscriptionInput) -> None:
    errors = []
    problem = target_problem(data.url, services.settings.webhook_allow_private_targets)
    if problem is not None:
        errors.append(FieldError("url", problem))
    if not data.event_types:
        errors.append(FieldError("event_types", f"at least one of {', '.join(e.value for e in EventType)}"))
    elif len(set(data.event_types)) != len(data.event_types):
        errors.append(FieldError("event_types", "each event type once"))
    if errors:
        raise InvalidInput("The webhook subscription cannot be created.", errors=errors)


def subscription_json(row: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "event_types": list(row.event_types),
        "description": row.description,
        "created_at": row.created_at.isoformat(),
    }


def create_subscription(services: Services, actor: Actor, data: SubscriptionInput) -> dict[str, Any]:
    """The new subscription with its signing secret: the only time the secret is shown."""
    _check(services, data)
    now = services.clock.now()
    row = WebhookSubscription(
        id=new_id(),
        tenant_id=actor.tenant_id,
        url=data.url,
        event_types=[e.value for e in data.event_types],
        description=data.description,
        secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        created_at=now,
    )
    with services.db.transaction() as session:
        session.add(row)
        record = actor.record(
            "webhook:subscription_created",
            "webhook_subscription",
            row.id,
            data={"url": row.url, "event_types": list(row.event_types)},
        )
        audit_repository.append(session, actor.tenant_id, [record], now)
    return {**subscription_json(row), "secret": row.secret}


def list_subscriptions(services: Services, actor: Actor) -> list[dict[str, Any]]:
    with services.db.reading() as session:
        rows = session.execute(
            select(WebhookSubscription)
            .where(WebhookSubscription.tenant_id == actor.tenant_id, WebhookSubscription.deleted_at.is_(None))
            .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
        ).scalars()
        return [subscription_json(row) for row in rows]


def live_subscription(
    session: Session, tenant_id: str, subscription_id: str, *, lock: bool = False
) -> WebhookSubscription:
    """The tenant's subscription that was not deleted; ``NotFound`` otherwise (other tenants' too)."""
    query = select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id,
        WebhookSubscription.tenant_id == tenant_id,
        WebhookSubscription.deleted_at.is_(None),
    )
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No webhook subscription with id {subscription_id} for this tenant.")
    return row


def delete_subscription(services: Services, actor: Actor, subscription_id: str) -> None:
    """Stop sending to the subscription; deliveries still pending are given up by the worker."""
    now = services.clock.now()
    with services.db.transaction() as session:
        row = live_subscription(session, actor.tenant_id, subscription_id, lock=True)
        row.deleted_at = now
        record = actor.record("webhook:subscription_deleted", "webhook_subscription", row.id)
        audit_repository.append(session, actor.tenant_id, [record], now)


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def delivery_json(session: Session, delivery: WebhookDelivery) -> dict[str, Any]:
    attempts = session.execute(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id).order_by(WebhookAttempt.number)
    ).scalars()
    return {
        "id": delivery.id,
        "subscription_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempt_count": delivery.attempts,
        "next_attempt_at": _moment(delivery.next_attempt_at),
        "last_error": delivery.last_error,
        "created_at": delivery.created_at.isoformat(),
        "completed_at": _moment(delivery.completed_at),
        "attempts": [
            {
                "number": a.number,
                "attempted_at": a.attempted_at.isoformat(),
                "duration_ms": a.duration_ms,
                "status_code": a.status_code,
                "succeeded": a.succeeded,
                "error": a.error,
                "response_excerpt": a.response_excerpt,
            }
            for a in attempts
        ],
    }


def list_deliveries(services: Services, actor: Actor, subscription_id: str | None) -> list[dict[str, Any]]:
    """The newest deliveries (with every attempt) of the tenant, or of one of its subscriptions."""
    with services.db.reading() as session:
        query = select(WebhookDelivery).where(WebhookDelivery.tenant_id == actor.tenant_id)
        if subscription_id is not None:
            exists = session.execute(
                select(WebhookSubscription.id).where(
                    WebhookSubscription.id == subscription_id, WebhookSubscription.tenant_id == actor.tenant_id
                )
            ).scalar_one_or_none()
            if exists is None:
                raise NotFound(f"No webhook subscription with id {subscription_id} for this tenant.")
            query = query.where(WebhookDelivery.subscription_id == subscription_id)
        rows = session.execute(
            query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(DELIVERY_PAGE)
        ).scalars()
        return [delivery_json(session, row) for row in rows]
