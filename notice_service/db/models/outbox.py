"""The transactional outbox: work the worker does after the commit, each message once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import Base
from notice_service.db.types import UTCDateTime

OUTBOX_MESSAGE_ID = "_outbox_message_id"
"""Key under which the worker hands each handler its outbox row's id, to key idempotent side effects on."""
EVENT_ID = "_event_id"
"""Key of an event's outbox payload holding its id in the event feed (``events.id``), the webhook-id."""


class OutboxMessage(Base):
    """Work to do after a commit (audit mirroring, webhooks ...), written in the business transaction."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "done_at", "available_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
