"""The audit log's records and each tenant's head (size, root, compact range)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import Base
from notice_service.db.types import UTCDateTime


class AuditHead(Base):
    """One row per tenant log; appends lock it (``SELECT … FOR UPDATE``) so writers never fork."""

    __tablename__ = "audit_heads"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    origin: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    last_leaf_hash: Mapped[str] = mapped_column(String(64))
    # the Merkle tree's right border (CompactRange hashes, concatenated): appends stay O(log n)
    compact_range: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class AuditRecord(Base):
    __tablename__ = "audit_records"
    __table_args__ = (Index("ix_audit_subject", "tenant_id", "subject_type", "subject_id"),)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    canonical: Mapped[bytes] = mapped_column(LargeBinary)
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
