"""Notices: a drafted or issued letter of a case, with its frozen data and stored PDF."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, STORE_KEY, Base
from notice_service.db.types import UTCDateTime


class Notice(Base):
    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_notices_tenant_case_created", "tenant_id", "case_id", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    variant: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[date] = mapped_column(Date)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    letter_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    template_digest: Mapped[str] = mapped_column(String(64))
    preview_key: Mapped[str | None] = mapped_column(String(200), nullable=True, info={STORE_KEY: True})
    document_key: Mapped[str | None] = mapped_column(String(200), nullable=True, info={STORE_KEY: True})
    document_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    document_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    storage: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    signature: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    completeness: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    issued_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # /v/<code> (domain/verification_codes.py): made at draft, kept through issue, unique, never reused
    verification_code: Mapped[str | None] = mapped_column(String(20), nullable=True, unique=True, index=True)
