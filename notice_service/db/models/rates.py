"""Official rates added by operators (``notice-service rates add``), beside the shipped tables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import Base
from notice_service.db.types import DecimalString, UTCDateTime


class RateAddition(Base):
    """An official rate added by an operator (``notice-service rates add``) on top of the shipped tables."""

    __tablename__ = "rate_additions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    effective: Mapped[date | None] = mapped_column(Date, nullable=True)
    confirmed_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    half_year: Mapped[str | None] = mapped_column(String(7), nullable=True)
    rate: Mapped[Decimal | None] = mapped_column(DecimalString(), nullable=True)
    particuliers: Mapped[Decimal | None] = mapped_column(DecimalString(), nullable=True)
    autres_cas: Mapped[Decimal | None] = mapped_column(DecimalString(), nullable=True)
    source: Mapped[str] = mapped_column(String(500))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[str] = mapped_column(String(64))
