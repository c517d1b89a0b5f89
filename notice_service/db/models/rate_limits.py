"""The per-provider-account call rate shared by every worker: the next moment a call to the account is allowed.

One row per provider account, created on its first call. A worker takes a call slot by locking the row
(``SELECT … FOR UPDATE``), checking ``next_call_at`` and moving it one interval on, in one short transaction: two
workers never take the same slot, so the account's calls stay spaced by the interval whatever the number of
processes (``use_cases/delivery/rate_limit.py``). This comes on top of the account's 429 back-off
(``provider_accounts.not_before``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from notice_service.db.models.base import ID, Base
from notice_service.db.types import UTCDateTime


class ProviderRateLimit(Base):
    __tablename__ = "provider_rate_limits"
    account_id: Mapped[str] = mapped_column(ID, ForeignKey("provider_accounts.id"), primary_key=True)
    next_call_at: Mapped[datetime] = mapped_column(UTCDateTime())
