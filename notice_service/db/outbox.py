"""Queueing work for the worker: one transactional outbox row, written in the caller's transaction.

A topic that is an event type (``EventType``: what webhooks carry) is also written to the tenant's event feed
(``events``) in the same transaction, under an id the outbox payload carries (``EVENT_ID``) so the webhook
deliveries of the event use the same id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notice_service.db.models.events import Event
from notice_service.db.models.outbox import EVENT_ID, OutboxMessage
from notice_service.domain.webhook_events import EventType

EVENT_TYPES = frozenset(event.value for event in EventType)


def queue_event(
    session: Session, *, tenant_id: str, topic: str, payload: dict[str, Any], at: datetime
) -> OutboxMessage:
    """Add to ``session`` an outbox row for ``topic``, created at ``at`` and available to the worker from then on
    (a retry passes its later time), not yet attempted; answers the row. It commits or rolls back with the
    caller's changes, so rolled-back work announces nothing and committed work is never lost."""
    if topic in EVENT_TYPES:
        event_id = "msg_" + uuid.uuid4().hex
        session.add(Event(id=event_id, tenant_id=tenant_id, type=topic, occurred_at=at, data=dict(payload)))
        payload = {**payload, EVENT_ID: event_id}
    message = OutboxMessage(
        tenant_id=tenant_id,
        topic=topic,
        payload=payload,
        created_at=at,
        available_at=at,
        attempts=0,
    )
    session.add(message)
    return message
