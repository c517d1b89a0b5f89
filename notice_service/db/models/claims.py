"""What is owed: debtors, their invoices, the payments received on them and the credit notes (avoirs)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, STORE_KEY, Base
from notice_service.db.types import DecimalString, UTCDateTime


class Debtor(Base):
    __tablename__ = "debtors"
    __table_args__ = (
        Index("ix_debtors_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_debtors_tenant_siren", "tenant_id", "siren"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    siren: Mapped[str | None] = mapped_column(String(9), nullable=True)
    address_lines: Mapped[list[Any]] = mapped_column(JSON)
    postal_code: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    #: C. com. L721-3 (domain/courts.py ACTIVITIES); None for a consumer, "societe_commerciale" by default.
    activity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The mobile number the SMS step texts (E.164, ``domain/sms.py``); ``sms_opt_out``: it asked for no SMS.
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True, default=None)
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: When ``privacy purge`` replaced its personal data with a tombstone (0014f); ``None`` while it is held.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, default=None)


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_invoice_number"),
        Index("ix_invoices_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_invoices_tenant_debtor_created", "tenant_id", "debtor_id", "created_at", "id"),
        Index("ix_invoices_tenant_status_created", "tenant_id", "status", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    debtor_id: Mapped[str] = mapped_column(ForeignKey("debtors.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    amount_due: Mapped[Decimal] = mapped_column(DecimalString())
    currency: Mapped[str] = mapped_column(String(3))
    #: ``open`` while a balance remains, ``paid`` once payments cover it (kept by the payment use case, for the
    #: list filters); ``cancelled`` is reserved for the invoice life cycle.
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    document_key: Mapped[str | None] = mapped_column(String(200), nullable=True, info={STORE_KEY: True})
    document_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The invoice's own CGV penalty rate ("12.5" or "3x_legal"), overriding the tenant profile's.
    contractual_rate: Mapped[str | None] = mapped_column(String(16), nullable=True, default=None)
    #: The text of the penalty clause of this invoice's contract, when it differs from the profile's.
    penalty_clause: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)
    #: Delivery of the goods or completion of the service (C. conso. L218-2); ``None``: the issue date.
    delivered_on: Mapped[date | None] = mapped_column(Date, nullable=True, default=None)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_payments_tenant_invoice_created", "tenant_id", "invoice_id", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(DecimalString())
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CreditNote(Base):
    """An avoir on one invoice: it cancels part (or all) of the invoiced amount."""

    __tablename__ = "credit_notes"
    __table_args__ = (UniqueConstraint("tenant_id", "number", name="uq_credit_note_number"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(DecimalString())
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
