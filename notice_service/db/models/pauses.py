"""Pauses of a case's dunning: a promise to pay until its date, or a manual pause until a resume date.

The dunning run reads them (``use_cases/cases/pauses.py``: ``active_pauses``); the promise and pause use cases
write them. A pause is active on a day when ``starts_on <= day < until`` and it has not ended (``ended_at``);
it ends ``kept`` (the promised amount arrived), ``broken`` (its date passed unpaid: the case resumes by
itself), ``resumed`` (a person resumed it early) or ``cancelled``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, Base
from notice_service.db.types import DecimalString, UTCDateTime


class CasePause(Base):
    __tablename__ = "case_pauses"
    __table_args__ = (
        Index("ix_case_pauses_tenant_case", "tenant_id", "case_id", "until"),
        # the running pauses by date: the worker's judgement (``pause_schedule``) scans them alone (0013b)
        Index(
            "ix_case_pauses_running",
            "until",
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "promise" | "manual"
    starts_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)  # the promise's date, or the manual pause's resume date
    amount: Mapped[Decimal | None] = mapped_column(DecimalString(), nullable=True)  # promised amount
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)  # a manual pause's reason (0013b)
    created_by: Mapped[str] = mapped_column(String(200))  # the actor (API key label or person)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # kept | broken | resumed | cancelled
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
