"""Outbound webhook dispatch, driven by the worker from the transactional outbox.

An event's outbox row (written by the use case in its own transaction, so rolled-back changes announce
nothing and committed ones are never lost) is fanned out, in one transaction, into one delivery per
matching subscription plus one ``webhook.deliver`` outbox row each. Delivering an attempt takes a short
lease on the delivery, POSTs the signed body outside any transaction, then records the attempt and, on
failure, schedules the next one as a new outbox row (exponential backoff; given up after three days).
Each ``webhook.deliver`` row names the attempt number it is for, so a row handled twice sends once.
The fan-out is idempotent: the event id (the webhook-id header) is derived from the event's outbox row, so a
worker that dies after the fan-out committed but before its outbox row is marked done finds the deliveries
already there and does not fan the event out again.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notice_service.db import audit_repository
from notice_service.db.models.outbox import EVENT_ID, OUTBOX_MESSAGE_ID
from notice_service.db.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription
from notice_service.db.outbox import queue_event
from notice_service.domain.webhook_events import EventType, envelope, next_attempt_at
from notice_service.errors import ConfigurationError, Conflict, NotFound
from notice_service.faults import crash_point
from notice_service.ports import SendOutcome
from notice_service.services import Services
from notice_service.use_cases.actor import Actor, new_id
from notice_service.use_cases.webhooks.subscriptions import delivery_json

log = logging.getLogger(__name__)
TOPIC_DELIVER = "webhook.deliver"
SENDING_LEASE = timedelta(minutes=2)  # longer than the sender's connect + read timeouts


def _queue_delivery(session: Session, tenant_id: str, delivery_id: str, attempt: int, when: datetime) -> None:
    """Queue attempt number ``attempt`` of a delivery (a ``webhook.deliver`` row), for the worker from ``when``."""
    payload = {"delivery_id": delivery_id, "attempt": attempt}
    queue_event(session, tenant_id=tenant_id, topic=TOPIC_DELIVER, payload=payload, at=when)


def fan_out(
    services: Services, tenant_id: str, event_type: EventType, data: Mapping[str, Any], event_id: str | None = None
) -> int:
    """One delivery per live subscription of the tenant to ``event_type``; answers how many (0 if done before)."""
    now = services.clock.now()
    event_id = event_id or "msg_" + uuid.uuid4().hex
    body = json.dumps(envelope(event_type, now, data), ensure_ascii=False, separators=(",", ":"))
    with services.db.transaction() as session:
        already = select(WebhookDelivery.id).where(WebhookDelivery.event_id == event_id).limit(1)
        if session.execute(already).first() is not None:
            return 0
        subscriptions = session.execute(
            select(WebhookSubscription).where(
                WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.deleted_at.is_(None)
            )
        ).scalars()
        matching = [row for row in subscriptions if event_type.value in row.event_types]
        for subscription in matching:
            delivery = WebhookDelivery(
                id=new_id(),
                tenant_id=tenant_id,
                subscription_id=subscription.id,
                event_id=event_id,
                event_type=event_type.value,
                body=body,
                status="pending",
                attempts=0,
                window_started_at=now,
                next_attempt_at=now,
                created_at=now,
            )
            session.add(delivery)
            _queue_delivery(session, tenant_id, delivery.id, 1, now)
    log.info("event %s %s for tenant %s: %d deliveries", event_type.value, event_id, tenant_id, len(matching))
    return len(matching)


def event_handler(event_type: EventType) -> Callable[[Services, str, Mapping[str, Any]], None]:
    """The worker handler of an event topic: fan the outbox payload out to the subscriptions, under the event's
    id in the feed (``GET /v1/events``)."""

    def handle(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
        data = {key: value for key, value in payload.items() if key not in (OUTBOX_MESSAGE_ID, EVENT_ID)}
        outbox_id = payload.get(OUTBOX_MESSAGE_ID)
        event_id = payload.get(EVENT_ID)  # the event feed's id; rows queued before the feed derive one
        if event_id is None and outbox_id is not None:
            event_id = f"msg_{tenant_id.replace('-', '')[:12]}_{outbox_id}"
        fan_out(services, tenant_id, event_type, data, event_id)

    handle.__name__ = f"fan_out_{event_type.name.lower()}"
    return handle


@dataclass(frozen=True)
class _Target:
    url: str
    secret: str
    event_id: str
    body: str
    started_at: datetime


def _locked_delivery(session: Session, delivery_id: str) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    return session.execute(query).scalar_one_or_none()


def _begin_attempt(services: Services, delivery_id: str, attempt: int) -> _Target | None:
    """Lease the delivery for attempt ``attempt``; ``None`` when that attempt is no longer due."""
    now = services.clock.now()
    with services.db.transaction() as session:
        delivery = _locked_delivery(session, delivery_id)
        if delivery is None or delivery.status != "pending" or delivery.attempts != attempt - 1:
            return None
        if delivery.sending_until is not None and delivery.sending_until > now:
            raise Conflict(f"Webhook delivery {delivery_id} is being sent by another worker.")  # retried later
        subscription = session.get_one(WebhookSubscription, delivery.subscription_id)
        if subscription.deleted_at is not None:
            delivery.status, delivery.completed_at, delivery.next_attempt_at = "failed", now, None
            delivery.last_error = "the subscription was deleted"
            return None
        delivery.sending_until = now + SENDING_LEASE
        return _Target(subscription.url, subscription.secret, delivery.event_id, delivery.body, now)


def _schedule_retry(session: Session, delivery: WebhookDelivery, attempt: int, now: datetime) -> None:
    tries_in_window = session.execute(
        select(func.count())
        .select_from(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id, WebhookAttempt.attempted_at >= delivery.window_started_at)
    ).scalar_one()
    retry_at = next_attempt_at(delivery.window_started_at, max(1, tries_in_window), now)
    if retry_at is None:
        delivery.status, delivery.completed_at, delivery.next_attempt_at = "failed", now, None
        return
    delivery.next_attempt_at = retry_at
    _queue_delivery(session, delivery.tenant_id, delivery.id, attempt + 1, retry_at)


def _record_attempt(services: Services, delivery_id: str, attempt: int, target: _Target, outcome: SendOutcome) -> None:
    now = services.clock.now()
    with services.db.transaction() as session:
        delivery = _locked_delivery(session, delivery_id)
        if delivery is None:
            return
        session.add(
            WebhookAttempt(
                tenant_id=delivery.tenant_id,
                delivery_id=delivery.id,
                number=attempt,
                attempted_at=target.started_at,
                duration_ms=outcome.duration_ms,
                status_code=outcome.status_code,
                succeeded=outcome.succeeded,
                error=outcome.error,
                response_excerpt=outcome.response_excerpt,
            )
        )
        session.flush()
        delivery.attempts, delivery.sending_until = attempt, None
        if outcome.succeeded:
            delivery.status, delivery.completed_at, delivery.next_attempt_at = "succeeded", now, None
            delivery.last_error = None
            return
        delivery.last_error = outcome.error or f"HTTP {outcome.status_code}"
        _schedule_retry(session, delivery, attempt, now)


def deliver_webhook(services: Services, tenant_id: str, payload: Mapping[str, Any]) -> None:
    """The ``webhook.deliver`` handler: one attempt of one delivery."""
    if services.webhook_sender is None:
        raise ConfigurationError("No webhook sender is configured.")
    delivery_id, attempt = str(payload["delivery_id"]), int(payload["attempt"])
    target = _begin_attempt(services, delivery_id, attempt)
    if target is None:
        return
    outcome = services.webhook_sender.send(target.url, target.secret, target.event_id, target.body)
    crash_point("mid-webhook-delivery")
    _record_attempt(services, delivery_id, attempt, target, outcome)
    log.info("webhook delivery %s attempt %d: %s", delivery_id, attempt, outcome.status_code or outcome.error)


def replay_delivery(services: Services, actor: Actor, delivery_id: str) -> dict[str, Any]:
    """Send a delivery again (same webhook-id and body) with a fresh three-day retry window; audited."""
    now = services.clock.now()
    with services.db.transaction() as session:
        delivery = session.execute(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.tenant_id == actor.tenant_id)
            .with_for_update()
        ).scalar_one_or_none()
        if delivery is None:
            raise NotFound(f"No webhook delivery with id {delivery_id} for this tenant.")
        if session.get_one(WebhookSubscription, delivery.subscription_id).deleted_at is not None:
            raise Conflict("The delivery's subscription was deleted; nothing can be sent to it.")
        delivery.status, delivery.window_started_at, delivery.next_attempt_at = "pending", now, now
        delivery.completed_at = None
        _queue_delivery(session, actor.tenant_id, delivery.id, delivery.attempts + 1, now)
        record = actor.record("webhook:delivery_replayed", "webhook_delivery", delivery.id)
        audit_repository.append(session, actor.tenant_id, [record], now)
        session.flush()
        return delivery_json(session, delivery)
