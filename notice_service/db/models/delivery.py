"""Tables of deliveries: a notice's deliveries, their facts (raw payloads kept WORM in the store), their
evidence files, the debtors' LRE consents, the per-tenant inbound webhook secrets, and each notice's
derived receipt and deadline. Declared on the shared ``Base``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, STORE_KEY, Base
from notice_service.db.types import UTCDateTime


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_deliveries_tenant_notice_created", "tenant_id", "notice_id", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(15), nullable=True, index=True)
    provider_reference: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    recipient: Mapped[str | None] = mapped_column(String(254), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    price: Mapped[str | None] = mapped_column(String(20), nullable=True)  # the provider's price, tax included
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    failure_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # what a person can act on
    level: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the service level asked of a provider


class DeliveryFact(Base):
    __tablename__ = "delivery_facts"
    __table_args__ = (UniqueConstraint("delivery_id", "source_event_id", name="uq_delivery_fact_source"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(32))
    source_event_id: Mapped[str] = mapped_column(String(255))
    payload_key: Mapped[str] = mapped_column(String(200), info={STORE_KEY: True})
    payload_sha256: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class DeliveryEvidence(Base):
    __tablename__ = "delivery_evidence"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id"), index=True)
    fact_id: Mapped[str | None] = mapped_column(ForeignKey("delivery_facts.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    shown_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    media_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    document_key: Mapped[str] = mapped_column(String(200), info={STORE_KEY: True})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ElectronicConsent(Base):
    """A consumer's consent to receive electronic registered letters (C. postes L100), with its evidence."""

    __tablename__ = "electronic_consents"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    debtor_id: Mapped[str] = mapped_column(ForeignKey("debtors.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    given_on: Mapped[date] = mapped_column(Date)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    evidence_key: Mapped[str] = mapped_column(String(200), info={STORE_KEY: True})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundWebhookSecret(Base):
    """A tenant's secret for signed inbound provider events (Standard Webhooks) or Merci Facteur's header."""

    __tablename__ = "inbound_webhook_secrets"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", name="uq_inbound_secret_provider"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoticeDeadline(Base):
    """The receipt and deadline derived from a notice's facts; ``expired_at`` once the worker saw it pass."""

    __tablename__ = "notice_deadlines"
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    receipt_on: Mapped[date] = mapped_column(Date)
    receipt_deemed: Mapped[bool] = mapped_column()
    deadline_on: Mapped[date] = mapped_column(Date, index=True)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
