"""People who sign in to the back office (``/app/``): one row per person of a tenant, and the failed sign-ins
that throttle guessing (kept in the database so the limit holds across processes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, Base
from notice_service.db.types import UTCDateTime


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email", name="uq_users_email"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-cased; one person signs in to one tenant
    role: Mapped[str] = mapped_column(String(16))  # admin | credit | approver | lawyer | viewer
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginFailure(Base):
    """One failed sign-in for an e-mail from an address; the throttle counts those of the last window."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_ip", "email", "ip", "failed_at"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoticeRejection(Base):
    """A draft an approver rejected, with the reason shown to the credit team (the audit record has its hash)."""

    __tablename__ = "notice_rejections"
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    reason: Mapped[str] = mapped_column(String(1000))
    rejected_by: Mapped[str] = mapped_column(String(64))
    rejected_at: Mapped[datetime] = mapped_column(UTCDateTime())
