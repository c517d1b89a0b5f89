"""The SMS step: each SMS sent (its text, encoding, outcome) and the numbers that asked for no more SMS.

A debtor's mobile number and its ``sms_opt_out`` flag are columns of ``debtors`` (``models/claims.py``); an
opt-out also records the number itself (``sms_opt_outs``), so a number that opted out is never texted again,
whichever debtor it is later given to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, Base
from notice_service.db.types import UTCDateTime


class SmsMessage(Base):
    """One SMS: ``sending`` while the provider is asked, then ``accepted`` (with its message id) or ``failed``."""

    __tablename__ = "sms_messages"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key", name="uq_sms_idempotency_key"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    debtor_id: Mapped[str] = mapped_column(ForeignKey("debtors.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(8))  # GSM-7 | UCS-2
    segments: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # sending | accepted | failed
    provider: Mapped[str] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SmsOptOut(Base):
    __tablename__ = "sms_opt_outs"
    __table_args__ = (UniqueConstraint("tenant_id", "phone", name="uq_sms_opt_out_phone"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    phone: Mapped[str] = mapped_column(String(16))
    debtor_id: Mapped[str] = mapped_column(ForeignKey("debtors.id"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
