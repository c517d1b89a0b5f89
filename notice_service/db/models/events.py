"""The tenant's event feed: every event the outbound webhooks carry, stored as it is queued.

``db.outbox.queue_event`` writes one row here, in the caller's transaction, for each outbox topic that is an
event type (``domain.webhook_events.EventType``); ``GET /v1/events`` lists them, so an integrator can catch up
without webhooks. The row's ``id`` is the ``webhook-id`` the event's deliveries carry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import Base
from notice_service.db.types import UTCDateTime


class Event(Base):
    """One event of a tenant: its type, when it happened and the ``data`` of its webhook envelope."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_tenant_time", "tenant_id", "occurred_at", "id"),
        Index("ix_events_tenant_type_time", "tenant_id", "type", "occurred_at", "id"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
