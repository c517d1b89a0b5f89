"""Calls to the debtor recorded on a case (``POST /v1/cases/{id}/calls``): when, who called, the outcome, notes,
and the promise to pay the call produced, if any (a ``case_pauses`` row of kind ``promise``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, Base
from notice_service.db.types import UTCDateTime


class CaseCall(Base):
    __tablename__ = "case_calls"
    __table_args__ = (Index("ix_case_calls_case_called", "case_id", "called_at"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    called_at: Mapped[datetime] = mapped_column(UTCDateTime())
    caller: Mapped[str] = mapped_column(String(200))  # the person who called (kept here; audited by hash)
    outcome: Mapped[str] = mapped_column(String(32))  # domain.pauses.CALL_OUTCOMES
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    promise_id: Mapped[str | None] = mapped_column(ForeignKey("case_pauses.id"), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
