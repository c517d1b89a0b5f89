"""Collection cases: one debtor, the invoices it is pursued for."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, Base
from notice_service.db.types import UTCDateTime


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_cases_tenant_status_created", "tenant_id", "status", "created_at", "id"),
        Index("ix_cases_tenant_debtor_created", "tenant_id", "debtor_id", "created_at", "id"),
        Index("ix_cases_tenant_reference", "tenant_id", "reference"),
        Index("ix_cases_tenant_stage_created", "tenant_id", "ladder_stage", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    debtor_id: Mapped[str] = mapped_column(ForeignKey("debtors.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    #: the furthest ladder letter issued and the earliest unpaid due date: ``db.case_progress`` keeps them
    ladder_stage: Mapped[str | None] = mapped_column(String(32), nullable=True)
    unpaid_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    closed_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: When ``privacy purge`` removed the personal data of the case (0014f).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, default=None)


class CaseInvoice(Base):
    __tablename__ = "case_invoices"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
