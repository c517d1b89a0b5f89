"""A case's supporting documents (the contract, the CGV, a purchase order …) and the disputes the debtor raised.

Documents are stored write-once like evidence (``document_key`` is ``sha256/<hex>``); a dispute keeps its summary
here while its audit record names only the summary's SHA-256 (no free text in the log). Migration 0008.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, STORE_KEY, Base
from notice_service.db.types import UTCDateTime


class CaseDocument(Base):
    __tablename__ = "case_documents"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    dated: Mapped[date | None] = mapped_column(Date, nullable=True)
    media_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    document_key: Mapped[str] = mapped_column(String(200), info={STORE_KEY: True})
    version_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseDispute(Base):
    __tablename__ = "case_disputes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    raised_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    summary_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
