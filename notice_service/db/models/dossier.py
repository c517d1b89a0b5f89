"""The evidence dossiers exported for an injonction de payer: one row per export.

The ZIP is stored write-once as one object (``archive_key``, ``archive_version_id``; migration 0007) and
downloads stream it, checked against ``sha256`` (also audited). Each of its files is stored write-once too
(exhibits already were; generated files are written at export) and ``layout`` lists them in ZIP order, so a
dossier exported before 0007, which has no ``archive_key``, is rebuilt byte for byte from them on download.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, STORE_KEY, Base
from notice_service.db.types import UTCDateTime


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_dossiers_tenant_case_created", "tenant_id", "case_id", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    archive_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    archive_key: Mapped[str | None] = mapped_column(String(200), nullable=True, info={STORE_KEY: True})
    archive_version_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    layout: Mapped[list[Any]] = mapped_column(JSON)
    layout_key: Mapped[str] = mapped_column(String(200), info={STORE_KEY: True})
    zip_time: Mapped[str] = mapped_column(String(19))
    checkpoint_size: Mapped[int] = mapped_column(Integer)
    findings: Mapped[dict[str, Any]] = mapped_column(JSON)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
