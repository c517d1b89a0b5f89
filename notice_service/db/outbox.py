"""Queueing work for the worker: one transactional outbox row, written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notice_service.db.models.outbox import OutboxMessage


def queue_event(
    session: Session, *, tenant_id: str, topic: str, payload: dict[str, Any], at: datetime
) -> OutboxMessage:
    """Add to ``session`` an outbox row for ``topic``, created at ``at`` and available to the worker from then on
    (a retry passes its later time), not yet attempted; answers the row. It commits or rolls back with the
    caller's changes, so rolled-back work announces nothing and committed work is never lost."""
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
